/**
 * diffusion — text to image (reference/backends.md "Stable Diffusion"): AUTOMATIC1111/Forge
 * (`api: "a1111"`, /sdapi/v1/txt2img) or the OpenAI images API (`api: "openai"`,
 * /images/generations with b64_json). Yields PNG bytes and the generation info; not streamed.
 * (ComfyUI's graph + websocket API is not covered yet.)
 */
import { z } from "zod";
import { probe } from "../lib/health.ts";
import { createHttpClient } from "../lib/http.ts";
import { openaiModels } from "../lib/openai-compat.ts";
import { bearerFromEnv, httpOptionFields } from "../lib/options.ts";
import { withRetries } from "../lib/retry.ts";
import { definePlugin } from "../sdk.ts";
import { a1111Generate, a1111Models } from "./a1111.ts";
import { openaiGenerate } from "./openai-images.ts";

const defaultBaseUrl = { a1111: "http://127.0.0.1:7860", openai: "https://api.openai.com/v1" } as const;

const options = z.strictObject({
  // A picture takes long and arrives in one piece: the answer timeout is generous.
  ...httpOptionFields({ baseUrl: defaultBaseUrl.a1111, timeoutMs: 600_000, idleTimeoutMs: 120_000 }),
  api: z.enum(["a1111", "openai"]).default("a1111").describe("which HTTP API the server speaks"),
  baseUrl: z.url().optional().describe("default http://127.0.0.1:7860 (a1111) or https://api.openai.com/v1 (openai)"),
  apiKeyEnv: z.string().min(1).optional().describe("environment variable holding a bearer key (openai API)"),
  cfgScale: z.number().positive().optional().describe("a1111 cfg_scale"),
  samplerName: z.string().optional().describe("a1111 sampler_name"),
  sendResponseFormat: z.boolean().default(true).describe('send response_format: "b64_json" (turn off for gpt-image-1, which always returns base64)'),
});

export default definePlugin({
  name: "diffusion",
  kind: "image",
  description: "Text to image: AUTOMATIC1111/Forge or an OpenAI-compatible images API.",
  options,
  create(opts, ctx) {
    const http = createHttpClient({
      backend: "diffusion",
      baseUrl: opts.baseUrl ?? defaultBaseUrl[opts.api],
      headers: { ...opts.headers, ...bearerFromEnv("diffusion", ctx, opts.apiKeyEnv, true) },
      timeoutMs: opts.timeoutMs,
      idleTimeoutMs: opts.idleTimeoutMs,
      fetch: ctx.fetch,
    });
    const a1111 = opts.api === "a1111";
    return {
      health: (signal) => probe(() => (a1111 ? http.json({ path: "/sdapi/v1/progress?skip_current_image=true", signal, timeoutMs: 10_000 }) : openaiModels(http, "diffusion", signal))),
      models: (signal) => (a1111 ? a1111Models(http, signal) : openaiModels(http, "diffusion", signal)),
      infer(job, signal) {
        if (job.task !== "image") throw new Error(`diffusion cannot do ${job.task} jobs`);
        const once = () => (a1111 ? a1111Generate(http, job, opts, signal) : openaiGenerate(http, job, opts.sendResponseFormat, signal));
        return withRetries(opts, signal, once, ctx.log);
      },
    };
  },
});
