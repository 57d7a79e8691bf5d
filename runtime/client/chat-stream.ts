/**
 * Reads a provider's OpenAI-format SSE answer (POST /v1/chat/completions with stream: true): one
 * `text` piece per content delta; the tool calls, assembled from their deltas (by `index`: id and
 * name once, `arguments` in pieces), as one `tools` piece with the finish reason; then the billing
 * facts of the last chunk (`usage` and `claw`).
 * An `{error}` event inside the stream (the job failed after it started) is a PROVIDER_FAILED; when
 * the event carries `claw` (the job was billed: output was delivered), its `details.billing` holds it.
 * A stream that ends without its billing chunk is PROVIDER_FAILED too: the answer may be cut.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { ClawError } from "../core/errors.ts";
import { answerTooLarge, DEFAULT_ANSWER_LIMITS, type AnswerLimits } from "./answer-limits.ts";
import { boundedSse } from "./sse-reader.ts";
import { providerError } from "./provider-http.ts";
import { receiptFromWire, type WireReceipt } from "../core/receipt.ts";
import type { JobBilling, ToolCall } from "./types.ts";

/** The `claw` object of a paid response; `receipt` is the provider-signed job receipt (core/receipt.ts). */
export type WireBilling = {
  jobId: string; streamId: string; meteredMs: number; cost: string; pricePerSecond: string;
  partial?: { code: string; message: string }; receipt?: WireReceipt;
};

export type ChatPiece =
  | { type: "text"; text: string }
  | { type: "tools"; calls: ToolCall[]; finishReason?: string }
  | { type: "end"; billing: JobBilling; usage?: { promptTokens: number; completionTokens: number } };

/**
 * The typed billing of a `claw` object. A malformed or missing `claw.receipt` leaves `receipt` out
 * (verifyReceipt then reports it missing); it never throws for the receipt.
 *
 * @example
 * parseBilling(json.claw).receipt // SignedReceipt | undefined
 */
export function parseBilling(w: WireBilling): JobBilling {
  const receipt = w.receipt === undefined ? undefined : receiptFromWire(w.receipt);
  return {
    jobId: w.jobId, streamId: BigInt(w.streamId), meteredMs: w.meteredMs, cost: BigInt(w.cost), pricePerSecond: BigInt(w.pricePerSecond),
    ...(receipt ? { receipt } : {}),
  };
}

/** The answer's events within the byte caps (./sse-reader.ts): over one, the body is dropped and ANSWER_TOO_LARGE thrown. */
async function* events(body: ReadableStream<Uint8Array>, limits: AnswerLimits, endpoint: string): AsyncGenerator<EventSourceMessage> {
  const sse = boundedSse(body, limits, endpoint);
  try {
    for (let ev = await sse.next(); ev; ev = await sse.next()) yield ev;
  } finally {
    // The caller stopped early (break, an error): drop the rest of the provider's answer.
    await sse.cancel();
  }
}

type WireToolDelta = { index?: number; id?: string; function?: { name?: string; arguments?: string } };
type WireChunk = {
  choices?: Array<{ delta?: { content?: string | null; tool_calls?: WireToolDelta[] }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
  claw?: WireBilling;
  error?: { code?: string; message?: string };
};

/**
 * @example
 * for await (const piece of chatPieces(res.body!, endpoint)) if (piece.type === "text") process.stdout.write(piece.text);
 */
export async function* chatPieces(body: ReadableStream<Uint8Array>, endpoint: string, limits: AnswerLimits = DEFAULT_ANSWER_LIMITS): AsyncGenerator<ChatPiece> {
  let ended = false;
  let argumentBytes = 0;
  const calls = new Map<number, ToolCall>();
  let finishReason: string | undefined;
  for await (const ev of events(body, limits, endpoint)) {
    if (ev.data === "[DONE]") break;
    let chunk: WireChunk;
    try {
      chunk = JSON.parse(ev.data) as WireChunk;
    } catch (cause) {
      throw new ClawError("PROVIDER_FAILED", { message: `${endpoint} sent an SSE event that is not JSON: ${ev.data.slice(0, 80)}`, details: { endpoint }, cause });
    }
    if (chunk.error) {
      const failed = providerError(endpoint, 502, chunk);
      if (!chunk.claw) throw failed;
      throw new ClawError(failed.code, { message: failed.message, details: { ...failed.details, billing: parseBilling(chunk.claw) } });
    }
    for (const choice of chunk.choices ?? []) {
      const text = choice.delta?.content;
      if (text) yield { type: "text", text };
      for (const d of choice.delta?.tool_calls ?? []) {
        const i = d.index ?? calls.size;
        const call = calls.get(i) ?? { id: "", type: "function", function: { name: "", arguments: "" } };
        if (d.id) call.id = d.id;
        if (d.function?.name) call.function.name = d.function.name;
        if (d.function?.arguments) {
          argumentBytes += d.function.arguments.length;
          if (argumentBytes > limits.maxToolArgumentsBytes) throw answerTooLarge(endpoint, "tool-call arguments", limits.maxToolArgumentsBytes);
          call.function.arguments += d.function.arguments;
        }
        calls.set(i, call);
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    if (chunk.claw) {
      if (calls.size > 0 || finishReason) yield { type: "tools", calls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c), ...(finishReason ? { finishReason } : {}) };
      ended = true;
      const u = chunk.usage;
      yield { type: "end", billing: parseBilling(chunk.claw), ...(u ? { usage: { promptTokens: u.prompt_tokens ?? 0, completionTokens: u.completion_tokens ?? 0 } } : {}) };
    }
  }
  if (!ended) throw new ClawError("PROVIDER_FAILED", { message: `${endpoint} ended the answer without its billing chunk; it may be cut.`, details: { endpoint, providerCode: "TRUNCATED" } });
}
