/**
 * One paid attempt: the request's exact bytes, signed for the lane's stream and its route, sent to the
 * provider. The answer is either committed (a Response for the caller: JSON, or an SSE stream once its
 * first token arrived) or a failure before anything was delivered — which the caller may retry with
 * another provider, because nothing was delivered and so (issue 12's rule) nothing is billed.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ClawError } from "../core/errors.ts";
import { paymentHeaders } from "../core/payment.ts";
import { parseBilling, type WireBilling } from "./chat-stream.ts";
import type { Lane } from "./lanes.ts";
import type { MarketRequest } from "./openai-request.ts";
import { joinUrl, providerError, unreachable } from "./provider-http.ts";
import type { JobBilling } from "./types.ts";

export type Attempt =
  | { ok: true; response: Response; billing: Promise<JobBilling | undefined>; proof: Proof }
  | { ok: false; error: ClawError; /** the stream is unusable from now on */ retireLane: boolean };

type Paid = Extract<MarketRequest, { kind: "paid" }>;
/** The nonce and body hash the request was signed with (the gateway's log keeps them). */
export type Proof = { nonce: bigint; bodyHash: string };

/** Provider codes that mean the stream itself is over (replace it, do not reuse it). */
const streamOver = new Set(["STREAM_ENDED", "BUDGET_EXHAUSTED", "STREAM_ENDING", "STREAM_NOT_FOUND", "UNKNOWN_STREAM", "SESSION_KEY_INVALID", "STREAM_RATE_TOO_LOW"]);
/** Provider 4xx codes that another provider may not share (so failing over is worth it). */
const providerSpecific = new Set(["CAPABILITY_MISSING", "UNSUPPORTED_FEATURE", "UNKNOWN_MODEL", "QUEUE_FULL", "STREAM_BUSY"]);

/** True when this failure, before any output, should go to the next provider. Pure. */
export function shouldFailOver(status: number, providerCode: string): boolean {
  if (status >= 500 || status === 401 || status === 402 || status === 409 || status === 429) return true;
  return providerSpecific.has(providerCode);
}

async function errorOf(endpoint: string, res: Response): Promise<ClawError> {
  const text = (await res.text()).slice(0, 4000);
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

/** Whether an SSE event carries output (text, a tool call, a finish) — the point of no return. Pure. */
export function isOutput(data: string): boolean {
  if (data === "[DONE]") return true;
  try {
    const c = JSON.parse(data) as { choices?: Array<{ delta?: { content?: unknown; tool_calls?: unknown; refusal?: unknown }; finish_reason?: unknown }>; claw?: unknown };
    if (c.claw) return true;
    return (c.choices ?? []).some((ch) => Boolean(ch.delta?.content) || Boolean(ch.delta?.tool_calls) || Boolean(ch.delta?.refusal) || ch.finish_reason != null);
  } catch {
    return true;
  }
}

function billingIn(data: string): JobBilling | undefined {
  try {
    const c = JSON.parse(data) as { claw?: WireBilling };
    return c.claw ? parseBilling(c.claw) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const a = await attempt(lane, request, signal);
 * if (a.ok) return a.response; // else try the next provider
 */
export async function attempt(lane: Lane, r: Paid, signal: AbortSignal): Promise<Attempt> {
  const endpoint = lane.provider.endpoint;
  const headers: Record<string, string> = { ...(await lane.signer.headers(r.body, { method: "POST", path: r.path })), "content-type": r.contentType, accept: r.stream ? "text/event-stream" : "application/json" };
  const proof: Proof = { nonce: BigInt(headers[paymentHeaders.nonce] ?? "0"), bodyHash: headers[paymentHeaders.bodyHash] ?? "" };
  let res: Response;
  try {
    res = await fetch(joinUrl(endpoint, r.path), { method: "POST", headers, body: r.body as Uint8Array<ArrayBuffer>, signal });
  } catch (err) {
    if (signal.aborted) throw signal.reason ?? err;
    return { ok: false, error: unreachable(endpoint, err), retireLane: true };
  }
  if (!res.ok) {
    const error = await errorOf(endpoint, res);
    const code = String(error.details?.providerCode ?? "");
    if (!shouldFailOver(res.status, code)) throw error;
    return { ok: false, error, retireLane: streamOver.has(code) };
  }
  const type = res.headers.get("content-type") ?? "";
  if (!type.includes("text/event-stream") || !res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    const billing = billingIn(new TextDecoder().decode(bytes));
    return { ok: true, response: new Response(bytes, { status: res.status, headers: { "content-type": type || "application/json" } }), billing: Promise.resolve(billing), proof };
  }
  const streamed = await sse(res.body, endpoint);
  return streamed.ok ? { ...streamed, proof } : streamed;
}

/** Holds SSE events until the first output; an error before it is a failure to fail over from. */
async function sse(body: ReadableStream<Uint8Array>, endpoint: string): Promise<Attempt | { ok: true; response: Response; billing: Promise<JobBilling | undefined> }> {
  const reader = body.getReader();
  const queue: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (ev) => queue.push(ev) });
  const decoder = new TextDecoder();
  const held: EventSourceMessage[] = [];
  let billing: JobBilling | undefined;
  let done = false;

  async function next(): Promise<EventSourceMessage | undefined> {
    while (queue.length === 0 && !done) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        done = true;
        throw unreachable(endpoint, err);
      }
      if (chunk.done) {
        done = true;
        parser.feed(decoder.decode());
      } else parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
    return queue.shift();
  }

  // Before the first output: an error event (or a cut stream) is a failure, nothing was delivered.
  for (;;) {
    let ev: EventSourceMessage | undefined;
    try {
      ev = await next();
    } catch (err) {
      return { ok: false, error: err as ClawError, retireLane: false };
    }
    if (!ev) return { ok: false, error: new ClawError("PROVIDER_FAILED", { message: `${endpoint} ended the answer before any output.`, details: { endpoint, providerCode: "TRUNCATED" } }), retireLane: false };
    if (ev.event === "error" || /^\s*\{\s*"error"/.test(ev.data)) {
      await reader.cancel().catch(() => undefined);
      let parsed: unknown;
      try {
        parsed = JSON.parse(ev.data);
      } catch {
        parsed = undefined;
      }
      return { ok: false, error: providerError(endpoint, 502, parsed), retireLane: false };
    }
    held.push(ev);
    billing ??= billingIn(ev.data);
    if (isOutput(ev.data)) break;
  }

  let settle!: (b: JobBilling | undefined) => void;
  const billed = new Promise<JobBilling | undefined>((r) => (settle = r));
  const out = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const ev = held.shift() ?? (await next().catch(() => undefined));
      if (!ev) {
        settle(billing);
        controller.close();
        return;
      }
      billing ??= billingIn(ev.data);
      controller.enqueue(frame(ev));
    },
    async cancel() {
      settle(billing);
      await reader.cancel().catch(() => undefined);
    },
  });
  return { ok: true, response: new Response(out, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } }), billing: billed };
}
