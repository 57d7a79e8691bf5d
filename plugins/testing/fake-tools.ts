/**
 * What every fake backend does with tools and JSON output, so tests can compare exact values: a
 * request offering tools whose last message is from the user gets one call of the first tool with
 * `fakeToolArguments` (each fake in its own backend's wire format); after a tool result, the fake
 * answers in text. A request asking for JSON output gets `fakeJsonReply` as its tokens.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export const fakeToolArguments = { city: "Paris", days: 3 };
export const fakeJsonReply = ['{"fake":', " true}"];

/** The name of the tool the fake calls for this request body, or undefined (answer in text). */
export function fakeToolToCall(body: unknown): string | undefined {
  if (!isObj(body) || !Array.isArray(body.tools) || body.tools.length === 0) return undefined;
  if (body.tool_choice === "none") return undefined;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.at(-1);
  if (!isObj(last) || last.role !== "user") return undefined;
  const first = body.tools[0];
  return isObj(first) && isObj(first.function) && typeof first.function.name === "string" ? first.function.name : undefined;
}

/** The fake's reply tokens: JSON when the body asks for JSON output (`response_format` / Ollama's `format`). */
export function fakeReplyFor(body: unknown, reply: string[]): string[] {
  if (!isObj(body)) return reply;
  const rf = body.response_format;
  if ((isObj(rf) && rf.type !== "text") || body.format !== undefined) return fakeJsonReply;
  return reply;
}
