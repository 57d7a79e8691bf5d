/**
 * Retries of whole attempts, only before the first chunk has reached the consumer: once a token was
 * yielded, a retry would send the consumer a second, different answer, so errors after that point
 * surface as they are.
 */
import { isClawError, type ErrorCode } from "../../runtime/core/errors.ts";
import { sleep } from "./sleep.ts";
import type { PluginLogger } from "../types.ts";

export interface RetryOptions {
  /** Extra attempts after the first (0 = never retry). */
  retries: number;
  /** First backoff delay; doubles each attempt, with jitter. */
  retryBaseMs: number;
  /** Longest wait between attempts; a retry-after longer than this is not waited for (the error surfaces). */
  maxRetryDelayMs: number;
}

/** Failures worth another attempt: the backend may answer on the next try. */
export const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "BACKEND_UNREACHABLE",
  "BACKEND_RATE_LIMITED",
  "BACKEND_OVERLOADED",
  "BACKEND_UPSTREAM",
]);

/** The wait before attempt `attempt + 1`, or undefined when the error says not to retry. */
export function retryDelayMs(err: unknown, attempt: number, opts: RetryOptions, random = Math.random): number | undefined {
  if (!isClawError(err) || !retryableCodes.has(err.code)) return undefined;
  const retryAfter = err.details?.retryAfterSeconds;
  if (typeof retryAfter === "number") {
    const ms = retryAfter * 1000;
    return ms <= opts.maxRetryDelayMs ? ms : undefined;
  }
  const backoff = opts.retryBaseMs * 2 ** attempt;
  return Math.min(opts.maxRetryDelayMs, backoff * (0.5 + random() / 2));
}

/**
 * Runs `attempt` and yields its chunks; when it fails with a retryable error before yielding
 * anything, waits (backoff or the backend's retry-after) and runs it again, up to `retries` times.
 *
 * @example
 * yield* withRetries(opts, signal, () => streamOnce(job, signal), log);
 */
export async function* withRetries<T>(
  opts: RetryOptions,
  signal: AbortSignal,
  attempt: (n: number) => AsyncIterable<T>,
  log?: PluginLogger,
): AsyncGenerator<T> {
  for (let n = 0; ; n++) {
    let yielded = false;
    try {
      for await (const item of attempt(n)) {
        yielded = true;
        yield item;
      }
      return;
    } catch (err) {
      if (yielded || signal.aborted || n >= opts.retries) throw err;
      const delay = retryDelayMs(err, n, opts);
      if (delay === undefined) throw err;
      log?.warn({ attempt: n + 1, delayMs: Math.round(delay), code: isClawError(err) ? err.code : undefined }, "backend attempt failed; retrying");
      await sleep(delay, signal);
    }
  }
}

/**
 * The same for a single-value call (non-streaming requests, model lists).
 *
 * @example const data = await retryCall(opts, signal, () => http.json({ path: "/api/tags", signal }));
 */
export async function retryCall<T>(opts: RetryOptions, signal: AbortSignal, call: (n: number) => Promise<T>, log?: PluginLogger): Promise<T> {
  for await (const value of withRetries(opts, signal, async function* (n) {
    yield await call(n);
  }, log)) {
    return value;
  }
  throw new Error("unreachable: retryCall's attempt yielded nothing");
}
