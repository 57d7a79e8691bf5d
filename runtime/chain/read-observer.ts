/**
 * A hook for timing chain reads without tying runtime/chain to a metrics library: the runtime's
 * wiring (provider/start.ts) passes `onRead`, the server's metrics record it (claw_chain_read_seconds).
 * `ok` is false when the node could not be asked or did not answer; a revert is an answer (ok).
 */
export type ChainRead = { op: string; seconds: number; ok: boolean };
export type ChainReadObserver = (read: ChainRead) => void;

/**
 * Runs `read` and reports its duration and outcome to `onRead` (if any); the result or error passes through.
 * @example
 * const head = await timedRead("watcher_head", onRead, () => publicClient.getBlockNumber());
 */
export async function timedRead<T>(op: string, onRead: ChainReadObserver | undefined, read: () => Promise<T>): Promise<T> {
  if (!onRead) return read();
  const start = performance.now();
  const report = (ok: boolean) => {
    // An observer's failure must never turn a good read into a failed one.
    try {
      onRead({ op, seconds: Math.max(0, performance.now() - start) / 1000, ok });
    } catch {
      /* ignored */
    }
  };
  try {
    const v = await read();
    report(true);
    return v;
  } catch (err) {
    report(false);
    throw err;
  }
}
