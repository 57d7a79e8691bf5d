/**
 * Ollama's /api/chat dialect of the chat contract (reference/backends.md "Ollama", "Tool calling"):
 * text parts joined into `content`, images as `images: [<base64>]` (no data: prefix), assistant
 * tool calls with `arguments` as a JSON OBJECT (not text), tool results with `tool_name`, tools in
 * the OpenAI shape, JSON output as `format` ("json" or the schema). Back: `message.tool_calls`
 * (a whole call per NDJSON line when streaming) become tool-call chunks with arguments as JSON text.
 *
 * Ollama has no tool_choice: "none" leaves the tools out, a named choice sends only that tool,
 * "required" sends them all (the model may still answer in text); parallel_tool_calls false keeps
 * the first call only.
 */
import type { ChatJob, ChatMessage, ToolCallChunk } from "../types.ts";
import { textOf } from "../lib/capabilities.ts";
import { openaiTool } from "../lib/openai-chat.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Ollama wants an object; a call whose arguments are not JSON is kept as a string field.
    return { arguments: text };
  }
}

function ollamaMessage(m: ChatMessage, names: Map<string, string>): Obj {
  const out: Obj = { role: m.role === "developer" ? "system" : m.role, content: textOf(m.content) };
  const images = Array.isArray(m.content) ? m.content.flatMap((p) => (p.type === "image" ? [p.base64] : [])) : [];
  if (images.length > 0) out.images = images;
  if (m.toolCalls && m.toolCalls.length > 0) {
    out.tool_calls = m.toolCalls.map((c) => ({ function: { name: c.name, arguments: parseArguments(c.arguments) } }));
  }
  if (m.toolCallId !== undefined) {
    const name = names.get(m.toolCallId);
    if (name !== undefined) out.tool_name = name;
  }
  return out;
}

/**
 * The /api/chat fields of a chat job: messages, tools, format.
 *
 * @example Object.assign(body, ollamaChatFields(job));
 */
export function ollamaChatFields(job: ChatJob): Obj {
  const names = new Map<string, string>();
  for (const m of job.messages) for (const c of m.toolCalls ?? []) names.set(c.id, c.name);
  const b: Obj = { messages: job.messages.map((m) => ollamaMessage(m, names)) };
  const choice = job.toolChoice;
  if (job.tools && job.tools.length > 0 && choice !== "none") {
    const tools = typeof choice === "object" ? job.tools.filter((t) => t.name === choice.name) : job.tools;
    b.tools = tools.map(openaiTool);
  }
  const f = job.responseFormat;
  if (f?.type === "json_object") b.format = "json";
  if (f?.type === "json_schema") b.format = f.schema ?? "json";
  return b;
}

/**
 * Tool-call chunks from one line's `message.tool_calls`, numbered from `next` (calls arrive whole).
 *
 * @example ollamaToolCalls({ tool_calls: [{ function: { name: "f", arguments: { a: 1 } } }] }, 0, "job1")
 */
export function ollamaToolCalls(message: unknown, next: number, jobId: string): ToolCallChunk[] {
  if (!isObj(message) || !Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.filter(isObj).map((c, i) => {
    const fn = isObj(c.function) ? c.function : {};
    const index = next + i;
    const args = fn.arguments;
    return {
      type: "tool_call",
      index,
      id: typeof c.id === "string" && c.id !== "" ? c.id : `call_${jobId}_${index}`,
      name: typeof fn.name === "string" ? fn.name : "",
      arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    };
  });
}
