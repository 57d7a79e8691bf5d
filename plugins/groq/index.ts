/**
 * groq — Groq's OpenAI-compatible chat completions (reference/backends.md "Groq"): streaming SSE
 * whose final chunk carries `x_groq.usage` (times in seconds, reported here in ms), the API key
 * from an environment variable. Groq has no plain-completion route, so a completion job is sent as
 * one user message.
 */
import { z } from "zod";
import { probe } from "../lib/health.ts";
import { createHttpClient } from "../lib/http.ts";
import { openaiInfer, openaiModels } from "../lib/openai-compat.ts";
import { bearerFromEnv, capabilitiesFrom, capabilitiesOption, httpOptionFields } from "../lib/options.ts";
import { withRetries } from "../lib/retry.ts";
import { definePlugin } from "../sdk.ts";
import type { ChatJob } from "../types.ts";

const options = z.strictObject({
  ...httpOptionFields({ baseUrl: "https://api.groq.com/openai/v1", timeoutMs: 30_000, idleTimeoutMs: 30_000 }),
  apiKeyEnv: z.string().min(1).default("GROQ_API_KEY").describe("environment variable holding the Groq API key"),
  stream: z.boolean().default(true).describe("stream tokens from Groq (false: one answer at the end)"),
  serviceTier: z.enum(["on_demand", "flex", "auto"]).optional().describe("Groq's service_tier"),
  capabilities: capabilitiesOption,
});

export default definePlugin({
  name: "groq",
  kind: "text",
  description: "Groq cloud (OpenAI-compatible chat completions, x_groq usage).",
  // Passed through natively (OpenAI format); a model without vision refuses images itself.
  capabilities: { tools: true, images: true, json: true },
  options,
  create(opts, ctx) {
    const http = createHttpClient({
      backend: "groq",
      baseUrl: opts.baseUrl,
      headers: { ...opts.headers, ...bearerFromEnv("groq", ctx, opts.apiKeyEnv, true) },
      timeoutMs: opts.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      fetch: ctx.fetch,
    });
    const extraBody = opts.serviceTier ? { service_tier: opts.serviceTier } : {};
    return {
      capabilities: capabilitiesFrom(opts),
      health: (signal) => probe(() => openaiModels(http, "groq", signal)),
      models: (signal) => openaiModels(http, "groq", signal),
      infer(job, signal) {
        if (job.task !== "chat" && job.task !== "completion") throw new Error(`groq cannot do ${job.task} jobs`);
        const chat: ChatJob = job.task === "chat" ? job : { ...job, task: "chat", messages: [{ role: "user", content: job.prompt }] };
        return withRetries(opts, signal, () => openaiInfer(chat, signal, { backend: "groq", http, stream: opts.stream, includeUsage: false, extraBody }), ctx.log);
      },
    };
  },
});
