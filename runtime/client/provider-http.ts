/**
 * Talking to a provider's runtime over HTTP and turning its answers into typed errors:
 * 401/402/409 (the payment guard said no) -> PROVIDER_REFUSED, any other error -> PROVIDER_FAILED,
 * no answer at all -> PROVIDER_UNREACHABLE. The provider's own code and body are kept in `details`.
 */
import { ClawError } from "../core/errors.ts";
import { DEFAULT_ANSWER_LIMITS, readCappedJson, readErrorText } from "./answer-limits.ts";

export type ProviderErrorBody = { error?: { code?: string; message?: string; [k: string]: unknown } };

export function joinUrl(endpoint: string, path: string): string {
  return endpoint.replace(/\/+$/, "") + path;
}

/** The typed error for a provider's non-2xx answer. */
export function providerError(endpoint: string, status: number, body: unknown): ClawError {
  const err = (body as ProviderErrorBody | undefined)?.error;
  const providerCode = typeof err?.code === "string" ? err.code : `HTTP_${status}`;
  const text = typeof err?.message === "string" ? err.message : `HTTP ${status}`;
  const refused = status === 401 || status === 402 || status === 409;
  const details = { providerCode, httpStatus: status, endpoint, ...(err ? { provider: err } : {}) };
  return new ClawError(refused ? "PROVIDER_REFUSED" : "PROVIDER_FAILED", {
    message: `${endpoint} ${refused ? "refused the payment" : "failed"}: ${providerCode}: ${text}`,
    details,
  });
}

/** The error for a provider that cannot be reached (connection refused, DNS, timeout). */
export function unreachable(endpoint: string, cause: unknown): ClawError {
  const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return new ClawError("PROVIDER_UNREACHABLE", { message: `${endpoint} cannot be reached: ${reason}`, details: { endpoint }, cause });
}

/** An error body, read up to the error cap only (a provider's error page may be any size). */
async function errorBodyOf(res: Response): Promise<unknown> {
  const text = await readErrorText(res, DEFAULT_ANSWER_LIMITS.maxErrorBytes);
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}

/**
 * A request to a provider; resolves to the Response when 2xx, throws the typed error otherwise.
 *
 * @example
 * const res = await providerFetch("http://127.0.0.1:8787", "/v1/quote?model=echo-1");
 */
export async function providerFetch(endpoint: string, path: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
  const { timeoutMs, ...rest } = init;
  const signals = [rest.signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => s != null);
  let res: Response;
  try {
    res = await fetch(joinUrl(endpoint, path), { ...rest, ...(signals.length ? { signal: AbortSignal.any(signals) } : {}) });
  } catch (err) {
    if (rest.signal?.aborted) throw rest.signal.reason ?? err;
    throw unreachable(endpoint, err);
  }
  if (!res.ok) throw providerError(endpoint, res.status, await errorBodyOf(res));
  return res;
}

/** Quotes, settle answers and other small JSON replies are far below this (bytes). */
export const MAX_SMALL_JSON_BYTES = 256 * 1024;

/** A JSON request to a provider; its answer is read up to `maxBytes` (default 256 KiB), never more. */
export async function providerJson<T>(endpoint: string, path: string, init: RequestInit & { timeoutMs?: number; maxBytes?: number } = {}): Promise<T> {
  const { maxBytes, ...rest } = init;
  const res = await providerFetch(endpoint, path, rest);
  return readCappedJson<T>(res, maxBytes ?? MAX_SMALL_JSON_BYTES, endpoint, "JSON answer");
}
