/**
 * whisper — speech to text (reference/backends.md "Whisper"): the OpenAI-compatible
 * /audio/transcriptions (OpenAI, Groq, speaches; `api: "openai"`) or whisper.cpp's server
 * /inference (`api: "whispercpp"`), multipart upload, json or verbose_json answers. Not streamed:
 * one transcript chunk, then usage. (speaches' SSE streaming is not used.)
 */
import { z } from "zod";
import { malformed, streamError } from "../lib/errors.ts";
import { probe } from "../lib/health.ts";
import { createHttpClient, type HttpClient } from "../lib/http.ts";
import { openaiModels } from "../lib/openai-compat.ts";
import { bearerFromEnv, httpOptionFields } from "../lib/options.ts";
import { withRetries } from "../lib/retry.ts";
import { num, usageChunk } from "../lib/usage.ts";
import { definePlugin } from "../sdk.ts";
import type { Chunk, TranscriptChunk, TranscriptSegment, TranscriptionJob } from "../types.ts";

const defaultBaseUrl = { openai: "http://127.0.0.1:8000/v1", whispercpp: "http://127.0.0.1:8080" } as const;

const options = z.strictObject({
  ...httpOptionFields({ baseUrl: defaultBaseUrl.openai, timeoutMs: 300_000, idleTimeoutMs: 120_000 }),
  api: z.enum(["openai", "whispercpp"]).default("openai").describe("which HTTP API the server speaks"),
  baseUrl: z.url().optional().describe("default http://127.0.0.1:8000/v1 (openai) or http://127.0.0.1:8080 (whispercpp)"),
  apiKeyEnv: z.string().min(1).optional().describe("environment variable holding a bearer key (OpenAI, Groq)"),
  model: z.string().min(1).default("whisper").describe("whispercpp: the name models() reports (the server serves the model it was started with)"),
});

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function form(job: TranscriptionJob, sendModel: boolean): FormData {
  const f = new FormData();
  f.append("file", new Blob([job.audio as BlobPart], { type: job.mimeType }), job.filename);
  if (sendModel) f.append("model", job.model);
  f.append("response_format", job.responseFormat);
  if (job.language !== undefined) f.append("language", job.language);
  if (job.prompt !== undefined) f.append("prompt", job.prompt);
  if (job.temperature !== undefined) f.append("temperature", String(job.temperature));
  return f;
}

function segments(v: unknown): TranscriptSegment[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter(isObj).map((s, i) => ({ id: num(s.id) ?? i, start: num(s.start) ?? 0, end: num(s.end) ?? 0, text: String(s.text ?? "") }));
}

async function* transcribeOnce(http: HttpClient, path: string, job: TranscriptionJob, sendModel: boolean, signal: AbortSignal): AsyncGenerator<Chunk> {
  const { data } = await http.json({ method: "POST", path, form: form(job, sendModel), signal });
  if (!isObj(data)) throw malformed("whisper", "the transcription is not a JSON object");
  if (data.error !== undefined && data.error !== null) throw streamError("whisper", data);
  if (typeof data.text !== "string") throw malformed("whisper", "the transcription has no text");
  const chunk: TranscriptChunk = { type: "transcript", text: data.text };
  if (typeof data.language === "string") chunk.language = data.language;
  const duration = num(data.duration);
  if (duration !== undefined) chunk.duration = duration;
  const segs = segments(data.segments);
  if (segs) chunk.segments = segs;
  yield chunk;
  const usage = isObj(data.usage) ? data.usage : {};
  yield usageChunk({ promptTokens: num(usage.input_tokens), completionTokens: num(usage.output_tokens), totalTokens: num(usage.total_tokens), finishReason: "stop" });
}

export default definePlugin({
  name: "whisper",
  kind: "audio",
  description: "Speech to text: OpenAI-compatible /audio/transcriptions (OpenAI, Groq, speaches) or whisper.cpp /inference.",
  options,
  create(opts, ctx) {
    const http = createHttpClient({
      backend: "whisper",
      baseUrl: opts.baseUrl ?? defaultBaseUrl[opts.api],
      headers: { ...opts.headers, ...bearerFromEnv("whisper", ctx, opts.apiKeyEnv, true) },
      timeoutMs: opts.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      fetch: ctx.fetch,
    });
    const cpp = opts.api === "whispercpp";
    return {
      health: (signal) => probe(() => (cpp ? http.json({ path: "/health", signal, timeoutMs: 10_000 }) : openaiModels(http, "whisper", signal))),
      models: async (signal) => (cpp ? [{ id: opts.model, description: "whisper.cpp server (serves the model it was started with)" }] : openaiModels(http, "whisper", signal)),
      infer(job, signal) {
        if (job.task !== "transcription") throw new Error(`whisper cannot do ${job.task} jobs`);
        const path = cpp ? "/inference" : "/audio/transcriptions";
        return withRetries(opts, signal, () => transcribeOnce(http, path, job, !cpp, signal), ctx.log);
      },
    };
  },
});
