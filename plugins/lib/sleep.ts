/** An abortable wait (web timers only, so it runs under Node and Deno alike). */
import { abortError } from "./errors.ts";

/**
 * Resolves after `ms`, or rejects with the job's abort error as soon as `signal` aborts.
 *
 * @example await sleep(250, signal)
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
