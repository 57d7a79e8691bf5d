/**
 * One paid attempt: the request's exact bytes, signed for the lane's stream and its route, sent to the
 * provider. The answer is either committed (a Response for the caller: JSON, or an SSE stream once its
 * first token arrived) or a failure before anything was delivered — which the caller may retry with
 * another provider, because nothing was delivered and so (issue 12's rule) nothing is billed.
 *
 * Every byte read from the provider is bounded (./answer-limits.ts): the JSON answer, each SSE event,
 * the SSE total, the tool-call arguments, the error body. Over a cap the provider's body is cancelled
 * at once and the request ends: before any output with a PROVIDER_FAILED (ANSWER_TOO_LARGE) error,
 * after output as a stream cut with an OpenAI-shaped error event. Faults the relay sees (oversized,
 * malformed, failed before the first token) go to `onFault`; what was delivered, the time to the first
 * token and the provider's billing come back in `delivery` for the receipt check.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { ClawError } from "../core/errors.ts";
import { paymentHeaders } from "../core/payment.ts";
import type { DeliveredOutput } from "../core/receipt.ts";
import { DEFAULT_ANSWER_LIMITS, isTooLarge, readCapped, readErrorText, type AnswerLimits } from "./answer-limits.ts";
import { parseBilling, type WireBilling } from "./chat-stream.ts";
import { trackDelivery } from "./delivered.ts";
import type { ProviderFaultKind } from "./faults.ts";
import type { Lane } from "./lanes.ts";
import { openAiError, type MarketRequest } from "./openai-request.ts";
import { joinUrl, providerError, unreachable } from "./provider-http.ts";
import { boundedSse, type SseReader } from "./sse-reader.ts";
import type { JobBilling } from "./types.ts";

/** What one committed answer turned out to be, once it ended (or was cut). */
export type Delivery = {
  billing?: JobBilling;
  output: DeliveredOutput;
  /** ms from sending the request to the first output (SSE) or to the answer's headers (JSON). */
  ttftMs?: number;
  /** Why the answer was cut by the relay (over a cap, malformed), if it was. */
  cut?: ClawError;
  /** The caller stopped reading before the end (its billing and receipt may never have arrived). */
  cancelled?: boolean;
  /** How the answer came: a JSON body, SSE, or another format (e.g. a plain-text transcript) that carries no billing. */
  format: "json" | "sse" | "other";
};

export type Attempt =
  | { ok: true; response: Response; billing: Promise<JobBilling | undefined>; delivery: Promise<Delivery>; proof: Proof }
  | { ok: false; error: ClawError; /** the stream is unusable from now on */ retireLane: boolean };

type Paid = Extract<MarketRequest, { kind: "paid" }>;
/** The nonce and body hash the request was signed with (the gateway's log keeps them). */
export type Proof = { nonce: bigint; bodyHash: string };

export type RelayOptions = {
  limits?: AnswerLimits;
  /** A fault of this provider, seen while relaying (the caller records it and routes away). */
  onFault?(kind: ProviderFaultKind, detail: string): void;
};

/** Provider codes that mean the stream itself is over (replace it, do not reuse it). */
const streamOver = new Set(["STREAM_ENDED", "BUDGET_EXHAUSTED", "STREAM_ENDING", "STREAM_NOT_FOUND", "UNKNOWN_STREAM", "SESSION_KEY_INVALID", "STREAM_RATE_TOO_LOW"]);
/** Provider 4xx codes that another provider may not share (so failing over is worth it). */
const providerSpecific = new Set(["CAPABILITY_MISSING", "UNSUPPORTED_FEATURE", "UNKNOWN_MODEL", "QUEUE_FULL", "STREAM_BUSY"]);

/** True when this failure, before any output, should go to the next provider. Pure. */
export function shouldFailOver(status: number, providerCode: string): boolean {
  if (status >= 500 || status === 401 || status === 402 || status === 409 || status === 429) return true;
  return providerSpecific.has(providerCode);
}

/** Provider codes that say it is busy (a 503 it may honestly send): failed over from, never a fault. */
const busy = new Set(["QUEUE_FULL", "STREAM_BUSY"]);

/** A refusal or a busy provider is its right; a 5xx, a cut or an unreachable endpoint before output is a fault. Pure. */
export function isFaultBeforeOutput(error: ClawError): boolean {
  if (error.code === "PROVIDER_UNREACHABLE") return true;
  const status = Number(error.details?.httpStatus ?? 502);
  return error.code === "PROVIDER_FAILED" && status >= 500 && !busy.has(String(error.details?.providerCode ?? ""));
}

async function errorOf(endpoint: string, res: Response, cap: number): Promise<ClawError> {
  const text = (await readErrorText(res, cap)).slice(0, 4000);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: { message: text.slice(0, 200) } };
  }
  return providerError(endpoint, res.status, body);
}

const encoder = new TextEncoder();
const frame = (ev: EventSourceMessage) => encoder.encode(`${ev.event ? `event: ${ev.event}\n` : ""}data: ${ev.data}\n\n`);
const errorFrame = (err: ClawError) => encoder.encode(`data: ${JSON.stringify(openAiError(err))}\n\n`);

type Chunk = { choices?: Array<{ delta?: { content?: unknown; tool_calls?: unknown; refusal?: unknown }; finish_reason?: unknown }>; claw?: WireBilling; error?: unknown };

/** The JSON of an SSE event's data; undefined for [DONE] and for data that is not a JSON object. Pure. */
function parseChunk(data: string): Chunk | undefined {
  if (data === "[DONE]") return undefined;
  try {
    const c = JSON.parse(data) as unknown;
    return typeof c === "object" && c !== null ? (c as Chunk) : undefined;
  } catch {
    return undefined;
  }
}

function outputIn(c: Chunk | undefined, data: string): boolean {
  if (!c) return true; // [DONE], or something that is not a chunk: the end of what is held back
  if (c.claw) return true;
  return (c.choices ?? []).some((ch) => Boolean(ch.delta?.content) || Boolean(ch.delta?.tool_calls) || Boolean(ch.delta?.refusal) || ch.finish_reason != null) || data === "[DONE]";
}

/** Whether an SSE event carries output (text, a tool call, a finish) — the point of no return. Pure. */
export function isOutput(data: string): boolean {
  return outputIn(parseChunk(data), data);
}

function billingOf(c: Chunk | undefined): JobBilling | undefined {
  try {
    return c?.claw ? parseBilling(c.claw) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const a = await attempt(lane, request, signal, { limits, onFault: (kind, detail) => book.record(...) });
 * if (a.ok) return a.response; // else try the next provider
 */
export async function attempt(lane: Lane, r: Paid, signal: AbortSignal, o: RelayOptions = {}): Promise<Attempt> {
  const limits = o.limits ?? DEFAULT_ANSWER_LIMITS;
  const fault = (kind: ProviderFaultKind, detail: string) => o.onFault?.(kind, detail);
  const endpoint = lane.provider.endpoint;
  const headers: Record<string, string> = { ...(await lane.signer.headers(r.body, { method: "POST", path: r.path })), "content-type": r.contentType, accept: r.stream ? "text/event-stream" : "application/json" };
  const proof: Proof = { nonce: BigInt(headers[paymentHeaders.nonce] ?? "0"), bodyHash: headers[paymentHeaders.bodyHash] ?? "" };
  const sentAt = performance.now();
  let res: Response;
  try {
    res = await fetch(joinUrl(endpoint, r.path), { method: "POST", headers, body: r.body as Uint8Array<ArrayBuffer>, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? err;
    const error = unreachable(endpoint, err);
    fault("failed-before-first-token", error.message);
    return { ok: false, error, retireLane: true };
  }
  if (!res.ok) {
    const error = await errorOf(endpoint, res, limits.maxErrorBytes);
    const code = String(error.details?.providerCode ?? "");
    if (isFaultBeforeOutput(error)) fault("failed-before-first-token", error.message);
    if (!shouldFailOver(res.status, code)) throw error;
    return { ok: false, error, retireLane: streamOver.has(code) };
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.includes("text/event-stream") || !res.body) {
    const ttftMs = Math.round(performance.now() - sentAt);
    let bytes: Uint8Array;
    try {
      bytes = await readCapped(res, limits.maxBodyBytes, endpoint, "answer body");
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      if (isTooLarge(err)) fault("oversized-answer", (err as ClawError).message);
      else fault("failed-before-first-token", err instanceof Error ? err.message : String(err));
      throw isTooLarge(err) ? err : unreachable(endpoint, err);
    }
    const delivered = trackDelivery(endpoint, limits.maxToolArgumentsBytes);
    let billing: JobBilling | undefined;
    let cut: ClawError | undefined;
    if (type.includes("json")) {
      try {
        const json = JSON.parse(new TextDecoder().decode(bytes)) as Chunk;
        billing = billingOf(json);
        delivered.body(json, r.route);
      } catch (err) {
        cut = isTooLarge(err) ? (err as ClawError) : new ClawError("PROVIDER_FAILED", { message: `${endpoint} sent a JSON answer that cannot be read.`, details: { endpoint, providerCode: "MALFORMED_ANSWER" } });
        fault(isTooLarge(err) ? "oversized-answer" : "malformed-answer", cut.message);
        throw cut;
      }
    }
    const delivery: Delivery = { output: delivered.output(), ttftMs, format: type.includes("json") ? "json" : "other", ...(billing ? { billing } : {}) };
    return {
      ok: true, response: new Response(bytes as Uint8Array<ArrayBuffer>, { status: res.status, headers: { "content-type": type || "application/json" } }),
      billing: Promise.resolve(billing), delivery: Promise.resolve(delivery), proof,
    };
  }
  const streamed = await sse(boundedSse(res.body, limits, endpoint), endpoint, limits, sentAt, fault, signal);
  return streamed.ok ? { ...streamed, proof } : streamed;
}

type Fault = (kind: ProviderFaultKind, detail: string) => void;

/** Holds SSE events until the first output; an error before it is a failure to fail over from. */
async function sse(reader: SseReader, endpoint: string, limits: AnswerLimits, sentAt: number, fault: Fault, signal: AbortSignal): Promise<Extract<Attempt, { ok: false }> | Omit<Extract<Attempt, { ok: true }>, "proof">> {
  const held: EventSourceMessage[] = [];
  const delivered = trackDelivery(endpoint, limits.maxToolArgumentsBytes);
  let billing: JobBilling | undefined;
  let ttftMs: number | undefined;
  let cut: ClawError | undefined;
  let malformed = false;
  let cancelled = false;

  /** Reads an event and folds it in; throws ANSWER_TOO_LARGE / PROVIDER_UNREACHABLE. */
  async function next(): Promise<{ ev: EventSourceMessage; chunk: Chunk | undefined } | undefined> {
    const ev = await reader.next();
    if (!ev) return undefined;
    const chunk = parseChunk(ev.data);
    if (!chunk && ev.data !== "[DONE]" && !malformed) {
      malformed = true;
      fault("malformed-answer", `${endpoint} sent an SSE event that is not JSON: ${ev.data.slice(0, 80)}`);
    }
    if (chunk && !chunk.error) delivered.chunk(chunk);
    billing ??= billingOf(chunk);
    return { ev, chunk };
  }

  // Before the first output: an error event (or a cut stream) is a failure, nothing was delivered.
  for (;;) {
    let got: Awaited<ReturnType<typeof next>>;
    try {
      got = await next();
    } catch (err) {
      await reader.cancel();
      if (signal.aborted) throw signal.reason ?? err; // the caller left or our time cap: not the provider's fault
      if (isTooLarge(err)) {
        fault("oversized-answer", (err as ClawError).message);
        throw err; // the request ends: a provider that floods is not retried elsewhere with the same bill
      }
      fault("failed-before-first-token", err instanceof Error ? err.message : String(err));
      return { ok: false, error: err as ClawError, retireLane: false };
    }
    if (!got) {
      const error = new ClawError("PROVIDER_FAILED", { message: `${endpoint} ended the answer before any output.`, details: { endpoint, providerCode: "TRUNCATED" } });
      fault("failed-before-first-token", error.message);
      return { ok: false, error, retireLane: false };
    }
    const { ev, chunk } = got;
    if (ev.event === "error" || chunk?.error !== undefined) {
      await reader.cancel();
      const error = providerError(endpoint, 502, chunk);
      fault("failed-before-first-token", error.message);
      return { ok: false, error, retireLane: false };
    }
    held.push(ev);
    if (outputIn(chunk, ev.data)) break;
  }
  ttftMs = Math.round(performance.now() - sentAt);

  let settle!: (d: Delivery) => void;
  const ended = new Promise<Delivery>((ok) => (settle = ok));
  // A cut or left answer is not judged: its output (up to the stream cap) is not assembled for a digest.
  const finish = () =>
    settle({ output: cut || cancelled ? {} : delivered.output(), format: "sse", ...(billing ? { billing } : {}), ...(ttftMs !== undefined ? { ttftMs } : {}), ...(cut ? { cut } : {}), ...(cancelled ? { cancelled } : {}) });
  const out = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const first = held.shift();
      if (first) return controller.enqueue(frame(first));
      let got: Awaited<ReturnType<typeof next>>;
      try {
        got = await next();
      } catch (err) {
        // Over a cap after output: the caller gets what was delivered, then an error event, then the end.
        if (isTooLarge(err)) {
          cut = err as ClawError;
          fault("oversized-answer", cut.message);
          await reader.cancel();
          controller.enqueue(errorFrame(cut));
        }
        // Our own time cap (or the caller) ended it: not the provider's doing, its billing could not arrive.
        if (signal.aborted) cancelled = true;
        got = undefined;
      }
      if (!got) {
        finish();
        controller.close();
        return;
      }
      controller.enqueue(frame(got.ev));
    },
    async cancel() {
      cancelled = true;
      finish();
      await reader.cancel();
    },
  });
  return {
    ok: true, response: new Response(out, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } }),
    billing: ended.then((d) => d.billing), delivery: ended,
  };
}
