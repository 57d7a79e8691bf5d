/**
 * tgi — Hugging Face text-generation-inference (reference/backends.md "TGI"): completion jobs on
 * /generate_stream (SSE with no space after `data:`, no [DONE]; the event with generated_text is
 * the last) or /generate (timings and token counts from its x-* headers); chat jobs on TGI's
 * OpenAI-compatible /v1/chat/completions. TGI's 429 means overloaded, 424 a failed generation.
 */
import { z } from "zod";
import { malformed, streamError, type BackendErrorCode } from "../lib/errors.ts";
import { probe } from "../lib/health.ts";
import { createHttpClient, joinUrl, type HttpClient } from "../lib/http.ts";
import { openaiInfer } from "../lib/openai-compat.ts";
import { capabilitiesFrom, capabilitiesOption, httpOptionFields } from "../lib/options.ts";
import { withRetries } from "../lib/retry.ts";
import { sseEvents } from "../lib/sse.ts";
import { num, usageChunk } from "../lib/usage.ts";
import { definePlugin } from "../sdk.ts";
import type { Chunk, CompletionJob, ModelInfo } from "../types.ts";

const options = z.strictObject({
  ...httpOptionFields({ baseUrl: "http://127.0.0.1:8080" }),
  stream: z.boolean().default(true).describe("stream tokens (false: one answer at the end)"),
  capabilities: capabilitiesOption,
});
const statusOverrides: Partial<Record<number, BackendErrorCode>> = { 429: "BACKEND_OVERLOADED", 424: "BACKEND_UPSTREAM" };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** TGI's finish reasons in the words the other backends use. */
function finishReason(v: unknown): string | undefined {
  if (v === "eos_token" || v === "stop_sequence") return "stop";
  return typeof v === "string" ? v : undefined;
}

function body(job: CompletionJob): Obj {
  const p: Obj = { details: true };
  if (job.maxTokens !== undefined) p.max_new_tokens = job.maxTokens;
  // TGI refuses temperature 0 ("must be strictly positive"); 0 means greedy, its default.
  if (job.temperature !== undefined && job.temperature > 0) p.temperature = job.temperature;
  if (job.topP !== undefined && job.topP < 1) p.top_p = job.topP;
  if (job.stop !== undefined && job.stop.length > 0) p.stop = job.stop;
  if (job.seed !== undefined) p.seed = job.seed;
  return { inputs: job.prompt, parameters: p };
}

async function* completeOnce(http: HttpClient, job: CompletionJob, stream: boolean, signal: AbortSignal): AsyncGenerator<Chunk> {
  const res = await http.request({ method: "POST", path: stream ? "/generate_stream" : "/generate", json: body(job), signal });
  try {
    if (!stream) {
      const data = await res.json();
      if (!isObj(data) || data.error !== undefined) throw streamError("tgi", data);
      if (typeof data.generated_text !== "string") throw malformed("tgi", "the answer has no generated_text");
      if (data.generated_text !== "") yield { type: "text", text: data.generated_text };
      const details = isObj(data.details) ? data.details : {};
      const h = (name: string): number | undefined => num(res.headers.get(name));
      yield usageChunk({
        promptTokens: h("x-prompt-tokens"),
        completionTokens: h("x-generated-tokens") ?? num(details.generated_tokens),
        timings: { queueMs: h("x-queue-time"), completionMs: h("x-inference-time"), totalMs: h("x-total-time") },
        finishReason: finishReason(details.finish_reason),
      });
      return;
    }
    let tokens = 0;
    for await (const ev of sseEvents(res.chunks(), "tgi")) {
      let obj: unknown;
      try {
        obj = JSON.parse(ev.data);
      } catch (err) {
        throw malformed("tgi", `an SSE event is not JSON: ${ev.data.slice(0, 120)}`, err);
      }
      if (!isObj(obj)) throw malformed("tgi", `an SSE event is not a JSON object: ${ev.data.slice(0, 120)}`);
      if (obj.error !== undefined) throw streamError("tgi", obj);
      const token = isObj(obj.token) ? obj.token : undefined;
      if (token && token.special !== true && typeof token.text === "string" && token.text !== "") {
        tokens++;
        yield { type: "text", text: token.text };
      }
      if (typeof obj.generated_text === "string") {
        const details = isObj(obj.details) ? obj.details : {};
        yield usageChunk({ completionTokens: num(details.generated_tokens) ?? tokens, finishReason: finishReason(details.finish_reason) });
        return;
      }
    }
    throw malformed("tgi", "the stream ended before the event with generated_text (truncated)");
  } finally {
    res.close();
  }
}

async function info(http: HttpClient, signal?: AbortSignal): Promise<ModelInfo[]> {
  const { data } = await http.json({ path: "/info", signal });
  if (!isObj(data) || typeof data.model_id !== "string") throw malformed("tgi", "GET /info has no model_id");
  const model: ModelInfo = { id: data.model_id, details: { ...data } };
  const context = num(data.max_total_tokens);
  if (context !== undefined) model.contextLength = context;
  return [model];
}

export default definePlugin({
  name: "tgi",
  kind: "text",
  description: "Hugging Face text-generation-inference (/generate_stream, /generate, /v1/chat/completions).",
  // Tools through the Messages API; images only with a vision model and JSON in TGI's own grammar form: off unless the operator says so.
  capabilities: { tools: true, images: false, json: false },
  options,
  create(opts, ctx) {
    const common = { backend: "tgi", headers: opts.headers, timeoutMs: opts.timeoutMs, idleTimeoutMs: opts.idleTimeoutMs, fetch: ctx.fetch, statusOverrides };
    const http = createHttpClient({ ...common, baseUrl: opts.baseUrl });
    const v1 = createHttpClient({ ...common, baseUrl: joinUrl(opts.baseUrl, "v1") });
    return {
      capabilities: capabilitiesFrom(opts),
      health: (signal) => probe(() => http.request({ path: "/health", signal, timeoutMs: 10_000 }).then((r) => r.text())),
      models: (signal) => info(http, signal),
      infer(job, signal) {
        if (job.task === "completion") return withRetries(opts, signal, () => completeOnce(http, job, opts.stream, signal), ctx.log);
        if (job.task === "chat") return withRetries(opts, signal, () => openaiInfer(job, signal, { backend: "tgi", http: v1, stream: opts.stream, includeUsage: true }), ctx.log);
        throw new Error(`tgi cannot do ${job.task} jobs`);
      },
    };
  },
});
