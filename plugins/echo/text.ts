/**
 * The echo backend's text task: the prompt's words, streamed back one token per word at a fixed
 * rate, so metering and budgets can be watched without a model. Deterministic: the same job gives
 * the same text.
 */
import { abortError } from "../lib/errors.ts";
import { sleep } from "../lib/sleep.ts";
import { usageChunk } from "../lib/usage.ts";
import type { ChatJob, Chunk, CompletionJob } from "../types.ts";

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== "");
}

/** The text the job echoes: the last user message of a chat, or the completion prompt. */
export function promptOf(job: ChatJob | CompletionJob): string {
  if (job.task === "completion") return job.prompt;
  const lastUser = [...job.messages].reverse().find((m) => m.role === "user");
  return lastUser?.content ?? "";
}

/**
 * The tokens an echo job produces: the prompt's words (or "echo" for an empty prompt), once; with
 * maxTokens, cycled or cut to exactly maxTokens.
 *
 * @example echoTokens("hello big world", 4) // ["hello", " big", " world", " hello"]
 */
export function echoTokens(prompt: string, maxTokens?: number): string[] {
  const source = words(prompt);
  if (source.length === 0) source.push("echo");
  const count = maxTokens ?? source.length;
  return Array.from({ length: count }, (_, i) => (i === 0 ? "" : " ") + source[i % source.length]);
}

/**
 * Streams the echo tokens at `tokensPerSecond` (0 = as fast as possible), then the usage chunk.
 *
 * @example for await (const c of echoText(job, 20, signal)) console.log(c);
 */
export async function* echoText(job: ChatJob | CompletionJob, tokensPerSecond: number, signal: AbortSignal): AsyncGenerator<Chunk> {
  const started = Date.now();
  const tokens = echoTokens(promptOf(job), job.maxTokens);
  const promptTokens = job.task === "chat" ? job.messages.reduce((n, m) => n + words(m.content).length, 0) : words(job.prompt).length;
  for (let i = 0; i < tokens.length; i++) {
    // Deadline-based pacing: token i is due at i/rate seconds, so delays do not add up.
    if (tokensPerSecond > 0) await sleep(Math.max(0, started + (i * 1000) / tokensPerSecond - Date.now()), signal);
    if (signal.aborted) throw abortError(signal);
    yield { type: "text", text: tokens[i]! };
  }
  const elapsed = Date.now() - started;
  yield usageChunk({
    promptTokens,
    completionTokens: tokens.length,
    timings: { completionMs: elapsed, totalMs: elapsed },
    finishReason: job.maxTokens !== undefined ? "length" : "stop",
  });
}
