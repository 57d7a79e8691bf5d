/**
 * echo — a deterministic local backend for development and tests. It repeats the prompt's words (in
 * a chat, the current turn's user message or tool result: turn.ts), once, at a configurable rate
 * (tokens per second) so metering and budgets are visible, and also answers
 * image jobs (a generated pattern PNG) and transcription jobs (a transcript describing the upload).
 * It says what it is: its model list describes it as a test backend, never as a real model.
 */
import { z } from "zod";
import { definePlugin } from "../sdk.ts";
import { echoImages, echoTranscript } from "./media.ts";
import { echoText } from "./text.ts";

const options = z.strictObject({
  tokensPerSecond: z.number().min(0).default(20).describe("streaming rate; 0 = instant"),
  models: z.array(z.string().min(1)).min(1).default(["echo"]).describe("model names this backend answers to"),
  maxOutputTokens: z.number().int().min(1).max(100_000).default(4096).describe("the most tokens one answer streams (max_tokens above it is cut here)"),
});

export default definePlugin({
  name: "echo",
  kind: "text",
  description: "Deterministic echo test backend: streams the prompt's words back; not a model.",
  tasks: ["chat", "completion", "image", "transcription"],
  // Deterministic stand-ins (echo/tools.ts): tool calls named in the prompt, JSON of the prompt, images described.
  capabilities: { tools: true, images: true, json: true },
  options,
  create(opts) {
    const description = `Echo test backend (not a real model): repeats the prompt's words at ${opts.tokensPerSecond || "unlimited"} tokens/s.`;
    return {
      async health() {
        return { ok: true, detail: "echo test backend" };
      },
      async models() {
        return opts.models.map((id) => ({ id, description, ownedBy: "clawcompute-echo", details: { test: true } }));
      },
      infer(job, signal) {
        if (job.task === "image") return echoImages(job);
        if (job.task === "transcription") return echoTranscript(job);
        return echoText(job, opts, signal);
      },
    };
  },
});
