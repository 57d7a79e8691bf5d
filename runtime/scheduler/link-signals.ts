/**
 * One AbortSignal that aborts when any of `signals` does, with a `dispose()` that unhooks it from
 * them. `AbortSignal.any()` is not used because it leaks when one of its inputs lives long (the
 * runtime's shutdown signal, a stream's signal): in Node every composite that has an abort listener
 * stays referenced from the long-lived input until that input aborts (nodejs/node#55351, #64476),
 * which cost ~150 bytes per job served, forever. Call `dispose()` when the work is done.
 */

export type LinkedSignal = { signal: AbortSignal; dispose(): void };

/**
 * @example
 * const linked = linkSignals([request.signal, shutdown.signal]);
 * try { await work(linked.signal); } finally { linked.dispose(); }
 */
export function linkSignals(signals: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const hooked: Array<[AbortSignal, () => void]> = [];
  const dispose = () => {
    for (const [s, fn] of hooked.splice(0)) s.removeEventListener("abort", fn);
  };
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const fn = () => {
      controller.abort(s.reason);
      dispose();
    };
    s.addEventListener("abort", fn, { once: true });
    hooked.push([s, fn]);
  }
  if (controller.signal.aborted) dispose();
  return { signal: controller.signal, dispose };
}
