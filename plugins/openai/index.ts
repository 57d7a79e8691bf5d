/**
 * openai — any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio, TGI's Messages API, ...):
 * chat jobs on /v1/chat/completions, completion jobs on /v1/completions, streamed with
 * `stream_options.include_usage` so the last chunk carries usage; llama.cpp's `timings` are read
 * too. Old vLLM's flat error objects are understood. The API key is optional.
 */
import { z } from "zod";
import { probe } from "../lib/health.ts";
import { createHttpClient } from "../lib/http.ts";
import { openaiInfer, openaiModels } from "../lib/openai-compat.ts";
import { bearerFromEnv, capabilitiesFrom, capabilitiesOption, httpOptionFields } from "../lib/options.ts";
import { withRetries } from "../lib/retry.ts";
import { definePlugin } from "../sdk.ts";

const options = z.strictObject({
  ...httpOptionFields({ baseUrl: "http://127.0.0.1:8000/v1" }),
  apiKeyEnv: z.string().min(1).optional().describe("environment variable holding a bearer key, if the server wants one"),
  stream: z.boolean().default(true).describe("stream tokens (false: one answer at the end)"),
  includeUsage: z.boolean().default(true).describe("send stream_options.include_usage (turn off for servers that reject it)"),
  capabilities: capabilitiesOption,
});

export default definePlugin({
  name: "openai",
  kind: "text",
  description: "Any OpenAI-compatible server: vLLM, llama.cpp, LM Studio, ...",
  // Passed through natively; set `capabilities` for a server without a tool parser (vLLM) or --jinja (llama.cpp).
  capabilities: { tools: true, images: true, json: true },
  options,
  create(opts, ctx) {
    const http = createHttpClient({
      backend: "openai",
      baseUrl: opts.baseUrl,
      headers: { ...opts.headers, ...bearerFromEnv("openai", ctx, opts.apiKeyEnv, true) },
      timeoutMs: opts.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      fetch: ctx.fetch,
    });
    return {
      capabilities: capabilitiesFrom(opts),
      health: (signal) => probe(() => openaiModels(http, "openai", signal)),
      models: (signal) => openaiModels(http, "openai", signal),
      infer(job, signal) {
        if (job.task !== "chat" && job.task !== "completion") throw new Error(`openai cannot do ${job.task} jobs`);
        return withRetries(opts, signal, () => openaiInfer(job, signal, { backend: "openai", http, stream: opts.stream, includeUsage: opts.includeUsage }), ctx.log);
      },
    };
  },
});
