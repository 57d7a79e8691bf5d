/**
 * The OpenAI chat/completions wire format, shared by the groq, openai and tgi (chat) plugins:
 * request bodies, the SSE stream (`data: {...}` ... `data: [DONE]`), the non-streamed answer, the
 * usage in its three dialects (OpenAI `usage`, Groq `x_groq.usage` in seconds, llama.cpp `timings`)
 * and the model list. Content parts, tools and tool calls are mapped in openai-chat.ts.
 */
import type { ChatJob, Chunk, CompletionJob, ModelInfo, UsageChunk } from "../types.ts";
import { malformed, streamError } from "./errors.ts";
import type { HttpClient } from "./http.ts";
import { openaiChatFields, toolCallsOfDelta, toolCallsOfMessage, toolPieceNormalizer } from "./openai-chat.ts";
import { sseEvents } from "./sse.ts";
import { msFromSeconds, num, usageChunk } from "./usage.ts";

export interface OpenAICallOptions {
  backend: string;
  http: HttpClient;
  stream: boolean;
  /** Ask for a final usage chunk (`stream_options.include_usage`); Groq reports usage without it. */
  includeUsage: boolean;
  /** Extra body fields from the operator's options (e.g. Groq's service_tier). */
  extraBody?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The request body for a chat job (or a completion job on the legacy /completions route).
 *
 * @example openaiBody({ task: "chat", id: "1", model: "m", messages, maxTokens: 50 }, true, true)
 */
export function openaiBody(job: ChatJob | CompletionJob, stream: boolean, includeUsage: boolean, extra: Obj = {}): Obj {
  const body: Obj = { ...extra, model: job.model, stream };
  if (job.task === "chat") Object.assign(body, openaiChatFields(job));
  else body.prompt = job.prompt;
  if (job.maxTokens !== undefined) body.max_tokens = job.maxTokens;
  if (job.temperature !== undefined) body.temperature = job.temperature;
  if (job.topP !== undefined) body.top_p = job.topP;
  if (job.stop !== undefined && job.stop.length > 0) body.stop = job.stop;
  if (job.seed !== undefined) body.seed = job.seed;
  if (stream && includeUsage) body.stream_options = { include_usage: true };
  return body;
}

/**
 * Usage fields from any of the dialects: `usage` (tokens; Groq adds *_time in seconds) and
 * llama.cpp's `timings` (ms).
 *
 * @example openaiUsage({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 }, undefined, "stop")
 */
export function openaiUsage(usage: unknown, timings: unknown, finishReason: string | undefined): UsageChunk {
  const u = isObj(usage) ? usage : {};
  const t = isObj(timings) ? timings : {};
  return usageChunk({
    promptTokens: num(u.prompt_tokens) ?? num(t.prompt_n),
    completionTokens: num(u.completion_tokens) ?? num(t.predicted_n),
    totalTokens: num(u.total_tokens),
    timings: {
      queueMs: msFromSeconds(u.queue_time),
      promptMs: msFromSeconds(u.prompt_time) ?? num(t.prompt_ms),
      completionMs: msFromSeconds(u.completion_time) ?? num(t.predicted_ms),
      totalMs: msFromSeconds(u.total_time),
    },
    finishReason,
  });
}

function isErrorObject(o: Obj): boolean {
  return (o.error !== undefined && o.error !== null) || o.object === "error";
}

/**
 * One attempt at a chat/completion job: POST, then text chunks and the final usage chunk.
 *
 * @example yield* openaiInfer(job, signal, { backend: "openai", http, stream: true, includeUsage: true });
 */
export async function* openaiInfer(job: ChatJob | CompletionJob, signal: AbortSignal, o: OpenAICallOptions): AsyncGenerator<Chunk> {
  const legacy = job.task === "completion";
  const path = legacy ? "/completions" : "/chat/completions";
  const res = await o.http.request({ method: "POST", path, json: openaiBody(job, o.stream, o.includeUsage, o.extraBody), signal });
  try {
    if (!o.stream) {
      const data = await res.json();
      if (!isObj(data) || isErrorObject(data)) throw streamError(o.backend, data);
      const choice = Array.isArray(data.choices) && isObj(data.choices[0]) ? data.choices[0] : {};
      const text = legacy ? choice.text : isObj(choice.message) ? choice.message.content : undefined;
      const calls = legacy ? [] : toolCallsOfMessage(choice.message);
      // A message that only calls tools has `content: null`.
      if (typeof text !== "string" && !(calls.length > 0 && (text === null || text === undefined))) {
        throw malformed(o.backend, `the answer has no choices[0].${legacy ? "text" : "message.content"}`);
      }
      if (typeof text === "string" && text !== "") yield { type: "text", text };
      yield* calls.map(toolPieceNormalizer(job.id));
      const finish = typeof choice.finish_reason === "string" ? choice.finish_reason : undefined;
      yield openaiUsage(data.usage ?? (isObj(data.x_groq) ? data.x_groq.usage : undefined), data.timings, finish);
      return;
    }
    let usage: unknown;
    let timings: unknown;
    let finishReason: string | undefined;
    let done = false;
    const normalize = toolPieceNormalizer(job.id);
    for await (const ev of sseEvents(res.chunks(), o.backend)) {
      if (ev.data.trim() === "[DONE]") {
        done = true;
        break;
      }
      let obj: unknown;
      try {
        obj = JSON.parse(ev.data);
      } catch (err) {
        throw malformed(o.backend, `an SSE event is not JSON: ${ev.data.slice(0, 120)}`, err);
      }
      if (!isObj(obj)) throw malformed(o.backend, `an SSE event is not a JSON object: ${ev.data.slice(0, 120)}`);
      if (ev.event === "error" || isErrorObject(obj)) throw streamError(o.backend, obj);
      const choice = Array.isArray(obj.choices) && isObj(obj.choices[0]) ? obj.choices[0] : undefined;
      const text = legacy ? choice?.text : isObj(choice?.delta) ? choice.delta.content : undefined;
      if (typeof text === "string" && text !== "") yield { type: "text", text };
      if (!legacy) yield* toolCallsOfDelta(choice?.delta).map(normalize);
      if (typeof choice?.finish_reason === "string") finishReason = choice.finish_reason;
      if (isObj(obj.usage)) usage = obj.usage;
      if (isObj(obj.x_groq) && isObj(obj.x_groq.usage)) usage = obj.x_groq.usage;
      if (isObj(obj.timings)) timings = obj.timings;
    }
    if (!done) throw malformed(o.backend, "the stream ended without `data: [DONE]` (truncated)");
    yield openaiUsage(usage, timings, finishReason);
  } finally {
    res.close();
  }
}

/**
 * GET /models -> ModelInfo[].
 *
 * @example const models = await openaiModels(http, "openai", signal);
 */
export async function openaiModels(http: HttpClient, backend: string, signal?: AbortSignal): Promise<ModelInfo[]> {
  const { data } = await http.json({ path: "/models", signal });
  if (!isObj(data) || !Array.isArray(data.data)) throw malformed(backend, "GET /models did not return {data: [...]}");
  return data.data.filter(isObj).map((m) => {
    const info: ModelInfo = { id: String(m.id) };
    if (typeof m.owned_by === "string") info.ownedBy = m.owned_by;
    const context = num(m.context_window) ?? num(m.max_model_len);
    if (context !== undefined) info.contextLength = context;
    return info;
  });
}
