/**
 * The echo backend's text task: the prompt's words (for a chat: the current turn's, see turn.ts),
 * streamed back once, one token per word at a fixed rate, so metering and budgets can be watched
 * without a model. Deterministic: the same job gives
 * the same output. Chat jobs may also get tool calls or JSON (rules in tools.ts). Output is capped
 * (`maxOutputTokens`) and the event loop is yielded to every 64 tokens even at an unlimited rate,
 * so one big echo job cannot starve the runtime's other requests.
 */
import { abortError } from "../lib/errors.ts";
import { sleep } from "../lib/sleep.ts";
import { usageChunk } from "../lib/usage.ts";
import type { ChatJob, ChatMessage, Chunk, CompletionJob } from "../types.ts";
import { echoJson, echoToolCalls, pieces } from "./tools.ts";
import { turnMessage } from "./turn.ts";

/** Tokens between two yields to the event loop when tokensPerSecond is 0. */
const YIELD_EVERY = 64;
/** Characters per streamed piece of JSON output or tool-call arguments. */
const PIECE = 8;

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== "");
}

/** A message's text as echo sees it: text parts joined, each image described by its type and size. */
export function echoContent(content: ChatMessage["content"]): string {
  if (content === null) return "";
  if (typeof content === "string") return content;
  return content
    .map((p) => (p.type === "text" ? p.text : `[image ${p.mimeType} ${Math.floor((p.base64.replace(/=+$/, "").length * 3) / 4)} bytes]`))
    .join(" ");
}

/**
 * The text the job echoes: the completion prompt, or for a chat the current turn's prompt or its
 * latest tool result (turn.ts) — never the system prompt, tool definitions or earlier turns.
 */
export function promptOf(job: ChatJob | CompletionJob): string {
  if (job.task === "completion") return job.prompt;
  const message = turnMessage(job.messages);
  return message ? echoContent(message.content) : "";
}

/**
 * The tokens an echo job produces: the prompt's words (or "echo" for an empty prompt), once, cut
 * at maxTokens and at `cap`. Like a model, echo stops when it has said its text: max_tokens is a
 * ceiling, never a length to fill (agents send 4096 or more with every request).
 *
 * @example echoTokens("hello big world", 2) // ["hello", " big"]
 */
export function echoTokens(prompt: string, maxTokens?: number, cap = Number.MAX_SAFE_INTEGER): string[] {
  return tokensOf(words(prompt), maxTokens, cap);
}

/** echoTokens over the prompt's words, split once by the caller. */
function tokensOf(promptWords: readonly string[], maxTokens: number | undefined, cap: number): string[] {
  const source = promptWords.length === 0 ? ["echo"] : promptWords;
  const count = Math.min(source.length, maxTokens ?? source.length, cap);
  return source.slice(0, count).map((w, i) => (i === 0 ? "" : " ") + w);
}

/** Every chunk the job streams (before usage) and its finish reason. */
export function echoPlan(job: ChatJob | CompletionJob, cap: number): { chunks: Chunk[]; finishReason: string } {
  return planOf(job, cap).plan;
}

/** echoPlan, with the prompt's word count (a completion's prompt tokens) from the same split. */
function planOf(job: ChatJob | CompletionJob, cap: number): { plan: { chunks: Chunk[]; finishReason: string }; promptWords: number } {
  const text = promptOf(job);
  const promptWords = words(text);
  return { plan: planFor(job, cap, text, promptWords), promptWords: promptWords.length };
}

function planFor(job: ChatJob | CompletionJob, cap: number, text: string, promptWords: readonly string[]): { chunks: Chunk[]; finishReason: string } {
  const limit = Math.min(job.maxTokens ?? Number.MAX_SAFE_INTEGER, cap);
  const cut = (all: Chunk[], done: string) => (all.length > limit ? { chunks: all.slice(0, limit), finishReason: "length" } : { chunks: all, finishReason: done });
  if (job.task === "chat") {
    const calls = echoToolCalls(job, text);
    if (calls.length > 0) {
      const all = calls.flatMap((c, index): Chunk[] => [
        { type: "tool_call", index, id: c.id, name: c.name, arguments: "" },
        ...pieces(c.arguments, PIECE).map((a): Chunk => ({ type: "tool_call", index, arguments: a })),
      ]);
      return cut(all, "tool_calls");
    }
    const json = echoJson(job, text);
    if (json !== undefined) return cut(pieces(json, PIECE).map((t) => ({ type: "text", text: t })), "stop");
  }
  const tokens = tokensOf(promptWords, job.maxTokens, cap);
  return { chunks: tokens.map((t) => ({ type: "text", text: t })), finishReason: tokens.length < Math.max(1, promptWords.length) ? "length" : "stop" };
}

const nextTurn = (): Promise<void> =>
  new Promise((resolve) => ((globalThis as { setImmediate?: (f: () => void) => void }).setImmediate ?? ((f: () => void) => setTimeout(f, 0)))(resolve));

/**
 * Streams the echo output at `tokensPerSecond` (0 = as fast as possible), then the usage chunk.
 *
 * @example for await (const c of echoText(job, { tokensPerSecond: 20, maxOutputTokens: 4096 }, signal)) console.log(c);
 */
export async function* echoText(job: ChatJob | CompletionJob, o: { tokensPerSecond: number; maxOutputTokens: number }, signal: AbortSignal): AsyncGenerator<Chunk> {
  const started = Date.now();
  const { plan: { chunks, finishReason }, promptWords } = planOf(job, o.maxOutputTokens);
  // A completion's prompt is the echoed text: its words were counted by the plan.
  const promptTokens = job.task === "chat" ? job.messages.reduce((n, m) => n + words(echoContent(m.content)).length, 0) : promptWords;
  for (let i = 0; i < chunks.length; i++) {
    // Deadline-based pacing: token i is due at i/rate seconds, so delays do not add up.
    if (o.tokensPerSecond > 0) await sleep(Math.max(0, started + (i * 1000) / o.tokensPerSecond - Date.now()), signal);
    else if (i > 0 && i % YIELD_EVERY === 0) await nextTurn();
    if (signal.aborted) throw abortError(signal);
    yield chunks[i]!;
  }
  const elapsed = Date.now() - started;
  yield usageChunk({
    promptTokens,
    completionTokens: chunks.length,
    timings: { completionMs: elapsed, totalMs: elapsed },
    finishReason,
  });
}
