/**
 * Bounded reading of providers' answers. A provider is a stranger: its answer may be any size, so the
 * consumer side (paying fetch, gateway, SDK) never calls `arrayBuffer()`/`text()`/`json()` on it.
 * Bytes are counted as they arrive and the body is cancelled (the connection dropped) as soon as a
 * cap is passed; memory held stays near the cap, whatever the provider sends.
 *
 * Caps (bytes, all configurable; defaults below, documented in README.md and runtime/client/README.md):
 *   maxBodyBytes           a non-streamed answer (JSON chat, images as base64, transcriptions)
 *   maxEventBytes          one SSE event (also: the bytes since the last complete event/line)
 *   maxStreamBytes         one SSE answer in total
 *   maxToolArgumentsBytes  the assembled `arguments` of all tool calls of one answer
 *   maxErrorBytes          an error body (only its first part is ever shown)
 *
 * Over a cap is an ANSWER_TOO_LARGE provider failure (PROVIDER_FAILED, 502) and a provider fault.
 */
import { ClawError } from "../core/errors.ts";

export type AnswerLimits = {
  maxBodyBytes: number;
  maxEventBytes: number;
  maxStreamBytes: number;
  maxToolArgumentsBytes: number;
  maxErrorBytes: number;
};

const MiB = 1024 * 1024;

/** Big enough for four 1024×1024 PNGs in base64 or a long transcript; small against the 300 MB a gateway may use. */
export const DEFAULT_ANSWER_LIMITS: Readonly<AnswerLimits> = {
  maxBodyBytes: 32 * MiB,
  maxEventBytes: 1 * MiB,
  maxStreamBytes: 32 * MiB,
  maxToolArgumentsBytes: 1 * MiB,
  maxErrorBytes: 64 * 1024,
};

/** The defaults with `partial` over them; throws on a cap that is not a positive whole number. */
export function answerLimits(partial: Partial<AnswerLimits> = {}): AnswerLimits {
  const out = { ...DEFAULT_ANSWER_LIMITS, ...partial };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new ClawError("CONFIG_INVALID", { message: `answer limit ${k} must be a positive whole number of bytes, not ${String(v)}.` });
  }
  return out;
}

/** The error for an answer over a cap; `what` names the cap ("answer body", "SSE event", ...). */
export function answerTooLarge(endpoint: string, what: string, cap: number): ClawError {
  return new ClawError("PROVIDER_FAILED", {
    message: `${endpoint} sent a ${what} larger than ${cap} bytes; the answer was cut and the provider is marked faulty.`,
    details: { endpoint, providerCode: "ANSWER_TOO_LARGE", limitBytes: cap, what },
  });
}

/** True for the error above. */
export function isTooLarge(err: unknown): boolean {
  return err instanceof ClawError && err.details?.providerCode === "ANSWER_TOO_LARGE";
}

/**
 * Reads a whole body, at most `cap` bytes: over it, the body is cancelled and ANSWER_TOO_LARGE thrown
 * (a declared content-length over the cap is refused before reading anything).
 *
 * @example
 * const bytes = await readCapped(res, 32 * 1024 * 1024, endpoint, "answer body");
 */
export async function readCapped(res: Response, cap: number, endpoint: string, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => undefined);
    throw answerTooLarge(endpoint, what, cap);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => undefined);
      throw answerTooLarge(endpoint, what, cap);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** An error body's text, bounded: only the first `cap` bytes are read, the rest is dropped (never an error). */
export async function readErrorText(res: Response, cap: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < cap) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.subarray(0, cap - size);
      chunks.push(take);
      size += take.byteLength;
    }
  } catch {
    // A body that breaks while being read: what arrived is the text.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const decoder = new TextDecoder();
  return chunks.map((c, i) => decoder.decode(c, { stream: i < chunks.length - 1 })).join("");
}

/** JSON of a bounded body; a body that is not JSON is a PROVIDER_FAILED naming the endpoint. */
export async function readCappedJson<T>(res: Response, cap: number, endpoint: string, what = "answer body"): Promise<T> {
  const text = new TextDecoder().decode(await readCapped(res, cap, endpoint, what));
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ClawError("PROVIDER_FAILED", { message: `${endpoint} sent a ${what} that is not JSON.`, details: { endpoint, providerCode: "MALFORMED_ANSWER" }, cause });
  }
}
