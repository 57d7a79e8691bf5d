/**
 * The chat parts of the OpenAI wire format that carry more than text (reference/backends.md "Tool
 * calling and content parts"): messages with content parts and tool calls, tools, tool_choice,
 * response_format, and tool calls read back from an answer or a stream's deltas. Shared by the
 * groq, openai and tgi plugins (which pass them through natively).
 */
import type { ChatJob, ChatMessage, ContentPart, ResponseFormat, ToolCallChunk, ToolChoice, ToolDefinition } from "../types.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A content part in OpenAI's form (images as data: URLs). */
export function openaiPart(p: ContentPart): Obj {
  if (p.type === "text") return { type: "text", text: p.text };
  return { type: "image_url", image_url: { url: `data:${p.mimeType};base64,${p.base64}`, ...(p.detail ? { detail: p.detail } : {}) } };
}

/**
 * A message in OpenAI's form.
 *
 * @example openaiMessage({ role: "assistant", content: null, toolCalls: [{ id: "call_1", name: "f", arguments: "{}" }] })
 */
export function openaiMessage(m: ChatMessage): Obj {
  // "developer" is OpenAI's newer name for "system"; most compatible servers know only "system".
  const out: Obj = { role: m.role === "developer" ? "system" : m.role, content: Array.isArray(m.content) ? m.content.map(openaiPart) : m.content };
  if (m.name !== undefined) out.name = m.name;
  if (m.toolCalls && m.toolCalls.length > 0) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
  }
  if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
  return out;
}

export function openaiTool(t: ToolDefinition): Obj {
  const fn: Obj = { name: t.name };
  if (t.description !== undefined) fn.description = t.description;
  if (t.parameters !== undefined) fn.parameters = t.parameters;
  if (t.strict !== undefined) fn.strict = t.strict;
  return { type: "function", function: fn };
}

export function openaiToolChoice(c: ToolChoice): unknown {
  return typeof c === "string" ? c : { type: "function", function: { name: c.name } };
}

export function openaiResponseFormat(f: ResponseFormat): Obj {
  if (f.type !== "json_schema") return { type: f.type };
  const js: Obj = { name: f.name };
  if (f.description !== undefined) js.description = f.description;
  if (f.schema !== undefined) js.schema = f.schema;
  if (f.strict !== undefined) js.strict = f.strict;
  return { type: "json_schema", json_schema: js };
}

/**
 * The fields of a chat body beyond the text parameters: messages, tools, tool_choice,
 * parallel_tool_calls, response_format, penalties, user.
 *
 * @example Object.assign(body, openaiChatFields(job));
 */
export function openaiChatFields(job: ChatJob): Obj {
  const b: Obj = { messages: job.messages.map(openaiMessage) };
  if (job.tools && job.tools.length > 0) b.tools = job.tools.map(openaiTool);
  if (job.toolChoice !== undefined) b.tool_choice = openaiToolChoice(job.toolChoice);
  if (job.parallelToolCalls !== undefined) b.parallel_tool_calls = job.parallelToolCalls;
  if (job.responseFormat !== undefined) b.response_format = openaiResponseFormat(job.responseFormat);
  if (job.presencePenalty !== undefined) b.presence_penalty = job.presencePenalty;
  if (job.frequencyPenalty !== undefined) b.frequency_penalty = job.frequencyPenalty;
  if (job.user !== undefined) b.user = job.user;
  return b;
}

/**
 * Tool-call chunks from a non-streamed answer's `message.tool_calls` (whole calls, index in order).
 *
 * @example toolCallsOfMessage({ tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] })
 */
export function toolCallsOfMessage(message: unknown): ToolCallChunk[] {
  if (!isObj(message) || !Array.isArray(message.tool_calls)) return [];
  return message.tool_calls.filter(isObj).map((c, i) => {
    const fn = isObj(c.function) ? c.function : {};
    const chunk: ToolCallChunk = { type: "tool_call", index: i, arguments: argumentsText(fn.arguments) };
    if (typeof c.id === "string") chunk.id = c.id;
    if (typeof fn.name === "string") chunk.name = fn.name;
    return chunk;
  });
}

/**
 * Tool-call chunks from one stream delta's `tool_calls` pieces (index as the backend numbered it).
 *
 * @example toolCallsOfDelta({ tool_calls: [{ index: 0, function: { arguments: "{\"a\"" } }] })
 */
export function toolCallsOfDelta(delta: unknown): ToolCallChunk[] {
  if (!isObj(delta) || !Array.isArray(delta.tool_calls)) return [];
  return delta.tool_calls.filter(isObj).map((c, i) => {
    const fn = isObj(c.function) ? c.function : {};
    const chunk: ToolCallChunk = { type: "tool_call", index: typeof c.index === "number" ? c.index : i, arguments: argumentsText(fn.arguments) };
    if (typeof c.id === "string" && c.id !== "") chunk.id = c.id;
    if (typeof fn.name === "string" && fn.name !== "") chunk.name = fn.name;
    return chunk;
  });
}

/** Arguments as JSON text (some servers send an object where OpenAI sends text). */
export function argumentsText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined || v === null) return "";
  return JSON.stringify(v);
}

/**
 * Puts a backend's tool-call pieces into the contract's form: the first piece of each call has an
 * id (`call_<job>_<index>` when the backend sent none or "") and later pieces carry only arguments
 * (some servers repeat the id and name in every delta).
 *
 * @example const norm = toolPieceNormalizer("job1"); for (const c of toolCallsOfDelta(delta)) yield norm(c);
 */
export function toolPieceNormalizer(jobId: string): (c: ToolCallChunk) => ToolCallChunk {
  const seen = new Set<number>();
  return (c) => {
    if (seen.has(c.index)) return { type: "tool_call", index: c.index, arguments: c.arguments };
    seen.add(c.index);
    return { ...c, id: c.id ?? `call_${jobId}_${c.index}` };
  };
}
