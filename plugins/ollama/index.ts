/**
 * ollama — a local Ollama server (reference/backends.md "Ollama"): chat jobs on /api/chat,
 * completion jobs on /api/generate, streamed as NDJSON; the last line's nanosecond durations are
 * reported in ms; an `{"error"}` line inside a 200 stream is a stream error; models from /api/tags.
 */
import { z } from "zod";
import { malformed, streamError } from "../lib/errors.ts";
import { probe } from "../lib/health.ts";
import { createHttpClient, type HttpClient } from "../lib/http.ts";
import { ndjsonLines } from "../lib/ndjson.ts";
import { capabilitiesFrom, capabilitiesOption, httpOptionFields } from "../lib/options.ts";
import { withRetries } from "../lib/retry.ts";
import { msFromNs, num, usageChunk } from "../lib/usage.ts";
import { definePlugin } from "../sdk.ts";
import type { ChatJob, Chunk, CompletionJob, ModelInfo, UsageChunk } from "../types.ts";
import { ollamaChatFields, ollamaToolCalls } from "./chat.ts";

const options = z.strictObject({
  // Loading a model can take minutes before the first byte; after that tokens flow steadily.
  ...httpOptionFields({ baseUrl: "http://127.0.0.1:11434", timeoutMs: 300_000, idleTimeoutMs: 60_000 }),
  stream: z.boolean().default(true).describe("stream tokens (false: one answer at the end)"),
  keepAlive: z.string().optional().describe('how long Ollama keeps the model loaded, e.g. "10m"'),
  numCtx: z.number().int().positive().optional().describe("context window (options.num_ctx)"),
  capabilities: capabilitiesOption,
});
type Options = z.output<typeof options>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function body(job: ChatJob | CompletionJob, opts: Options): Obj {
  const o: Obj = {};
  if (job.temperature !== undefined) o.temperature = job.temperature;
  if (job.topP !== undefined) o.top_p = job.topP;
  if (job.maxTokens !== undefined) o.num_predict = job.maxTokens;
  if (job.seed !== undefined) o.seed = job.seed;
  if (job.stop !== undefined && job.stop.length > 0) o.stop = job.stop;
  if (job.task === "chat" && job.presencePenalty !== undefined) o.presence_penalty = job.presencePenalty;
  if (job.task === "chat" && job.frequencyPenalty !== undefined) o.frequency_penalty = job.frequencyPenalty;
  if (opts.numCtx !== undefined) o.num_ctx = opts.numCtx;
  const b: Obj = { model: job.model, stream: opts.stream };
  if (job.task === "chat") Object.assign(b, ollamaChatFields(job));
  else b.prompt = job.prompt;
  if (Object.keys(o).length > 0) b.options = o;
  if (opts.keepAlive !== undefined) b.keep_alive = opts.keepAlive;
  return b;
}

/** The usage chunk from the `done: true` line (durations in ns -> ms). */
export function ollamaUsage(final: Obj): UsageChunk {
  return usageChunk({
    promptTokens: num(final.prompt_eval_count),
    completionTokens: num(final.eval_count),
    timings: {
      totalMs: msFromNs(final.total_duration),
      loadMs: msFromNs(final.load_duration),
      promptMs: msFromNs(final.prompt_eval_duration),
      completionMs: msFromNs(final.eval_duration),
    },
    finishReason: typeof final.done_reason === "string" ? final.done_reason : undefined,
  });
}

async function* inferOnce(http: HttpClient, job: ChatJob | CompletionJob, opts: Options, signal: AbortSignal): AsyncGenerator<Chunk> {
  const chat = job.task === "chat";
  const res = await http.request({ method: "POST", path: chat ? "/api/chat" : "/api/generate", json: body(job, opts), signal });
  let toolCalls = 0;
  const textOf = (line: Obj): unknown => (chat ? (isObj(line.message) ? line.message.content : undefined) : line.response);
  try {
    const lines = opts.stream ? ndjsonLines(res.chunks(), "ollama") : (async function* () {
      yield await res.json();
    })();
    for await (const line of lines) {
      if (!isObj(line)) throw malformed("ollama", `a line is not a JSON object: ${JSON.stringify(line).slice(0, 120)}`);
      if (line.error !== undefined) throw streamError("ollama", line);
      const text = textOf(line);
      if (typeof text === "string" && text !== "") yield { type: "text", text };
      // Tool calls arrive whole, one line each (or all in the one non-streamed answer).
      for (const c of chat ? ollamaToolCalls(line.message, toolCalls, job.id) : []) {
        if (job.task === "chat" && job.parallelToolCalls === false && toolCalls > 0) break;
        toolCalls++;
        yield c;
      }
      if (line.done === true) {
        yield ollamaUsage(line);
        return;
      }
    }
    throw malformed("ollama", "the stream ended without its `done: true` line (truncated)");
  } finally {
    res.close();
  }
}

async function listModels(http: HttpClient, signal?: AbortSignal): Promise<ModelInfo[]> {
  const { data } = await http.json({ path: "/api/tags", signal });
  if (!isObj(data) || !Array.isArray(data.models)) throw malformed("ollama", "GET /api/tags did not return {models: [...]}");
  return data.models.filter(isObj).map((m) => {
    const details: Obj = isObj(m.details) ? { ...m.details } : {};
    for (const k of ["size", "digest", "modified_at"]) if (m[k] !== undefined) details[k] = m[k];
    return { id: String(m.name), details };
  });
}

export default definePlugin({
  name: "ollama",
  kind: "text",
  description: "A local Ollama server (/api/chat, /api/generate; NDJSON).",
  // Tools, images and JSON output are mapped to /api/chat (chat.ts); a model without them refuses itself.
  capabilities: { tools: true, images: true, json: true },
  options,
  create(opts, ctx) {
    const http = createHttpClient({ backend: "ollama", baseUrl: opts.baseUrl, headers: opts.headers, timeoutMs: opts.timeoutMs, idleTimeoutMs: opts.idleTimeoutMs, fetch: ctx.fetch });
    return {
      capabilities: capabilitiesFrom(opts),
      health: (signal) => probe(() => http.json({ path: "/api/version", signal, timeoutMs: 10_000 })),
      models: (signal) => listModels(http, signal),
      infer(job, signal) {
        if (job.task !== "chat" && job.task !== "completion") throw new Error(`ollama cannot do ${job.task} jobs`);
        return withRetries(opts, signal, () => inferOnce(http, job, opts, signal), ctx.log);
      },
    };
  },
});
