/**
 * The echo backend's deterministic tool-call and JSON modes, so the whole tools path (route,
 * billing, OpenAI shapes, a full round trip) can be tested without a model. The rules (also in
 * plugins/README.md):
 * - Tools are called at most once per turn (turn.ts): only while the current turn has no tool call
 *   or result yet, and `tool_choice` is not "none". A named `tool_choice` calls that tool. Otherwise
 *   every tool the turn's prompt names as a whole word is called, in the order of `tools` (only the
 *   first when `parallel_tool_calls` is false); when none is named, "required" calls the first tool
 *   and "auto" answers in text.
 * - A call's arguments fill its parameters schema from the user's text: each required property
 *   (every property when none is required) gets the text (string; an enum's first value), the
 *   text's word count (number, integer), true (boolean), [] (array), or the same rule (object).
 *   Call ids are `call_<job id>_<index>`.
 * - Once the turn has a tool result, echo answers in text with the latest one, so a turn ends.
 * - JSON output: json_schema gives the schema filled by the same rule; json_object (or a schema
 *   without properties) gives `{"echo": "<text>"}`.
 */
import type { ChatJob, ToolDefinition } from "../types.ts";
import { currentTurn, namesTool, turnUsedTools } from "./turn.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function wordCount(text: string): number {
  return text.split(/\s+/).filter((w) => w !== "").length;
}

/**
 * A value for `schema` built from `text` (bounded depth: a self-referencing schema cannot loop).
 *
 * @example fillSchema({ type: "object", properties: { city: { type: "string" } } }, "Paris") // { city: "Paris" }
 */
export function fillSchema(schema: unknown, text: string, depth = 0): unknown {
  if (!isObj(schema) || depth > 8) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "string") return text;
  if (type === "number" || type === "integer") return wordCount(text);
  if (type === "boolean") return true;
  if (type === "array") return [];
  if (type === "object" || isObj(schema.properties)) {
    const props = isObj(schema.properties) ? schema.properties : {};
    const names = Array.isArray(schema.required) && schema.required.length > 0 ? schema.required.filter((n): n is string => typeof n === "string") : Object.keys(props);
    return Object.fromEntries(names.map((n) => [n, fillSchema(props[n], text, depth + 1)]));
  }
  return null;
}

export type EchoCall = { id: string; name: string; arguments: string };

/**
 * The tool calls echo makes for `job`, given the text it echoes (the turn's prompt; empty: answer in text).
 *
 * @example echoToolCalls({ ...job, tools: [{ name: "get_weather" }] }, "get_weather for Paris")
 */
export function echoToolCalls(job: ChatJob, text: string): EchoCall[] {
  const tools = job.tools ?? [];
  const turn = currentTurn(job.messages);
  if (tools.length === 0 || job.toolChoice === "none" || !turn.some((m) => m.role === "user") || turnUsedTools(turn)) return [];
  let chosen: ToolDefinition[];
  const choice = job.toolChoice;
  if (typeof choice === "object") chosen = tools.filter((t) => t.name === choice.name).slice(0, 1);
  else {
    chosen = tools.filter((t) => namesTool(text, t.name));
    if (chosen.length === 0 && choice === "required") chosen = [tools[0]!];
    if (job.parallelToolCalls === false) chosen = chosen.slice(0, 1);
  }
  return chosen.map((t, i) => {
    const filled = fillSchema(t.parameters ?? { type: "object" }, text);
    return { id: `call_${job.id}_${i}`, name: t.name, arguments: JSON.stringify(isObj(filled) ? filled : {}) };
  });
}

/**
 * The JSON text echo answers with under `response_format`, or undefined for plain text.
 *
 * @example echoJson({ ...job, responseFormat: { type: "json_object" } }, "hi") // '{"echo":"hi"}'
 */
export function echoJson(job: ChatJob, text: string): string | undefined {
  const f = job.responseFormat;
  if (!f || f.type === "text") return undefined;
  const filled = f.type === "json_schema" && isObj(f.schema) && isObj(f.schema.properties) ? fillSchema(f.schema, text) : undefined;
  return JSON.stringify(isObj(filled) ? filled : { echo: text });
}

/**
 * Cuts `text` into pieces of at most `size` characters (the stream's "tokens"); joined, they are `text`.
 *
 * @example pieces('{"a":1}', 3) // ['{"a', '":1', '}']
 */
export function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
