/**
 * One p-queue per offering with the configured concurrency and a bound on waiting jobs. Time spent
 * waiting here is never billed: metering starts when the task starts.
 */
import PQueue from "p-queue";
import { ClawError } from "../core/errors.ts";

export type OfferingQueue = {
  /** Runs `task` when a slot is free; rejects with QUEUE_FULL at once when the queue is full. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Expected wait in ms for a new job, from the mean job time seen so far. */
  expectedWaitMs(): number;
  readonly size: number;
  readonly pending: number;
  onIdle(): Promise<void>;
};

/**
 * @example
 * const q = createOfferingQueue({ model: "echo-1", concurrency: 4, maxQueue: 256 });
 * const answer = await q.run(() => backendCall());
 */
export function createOfferingQueue(o: { model: string; concurrency: number; maxQueue: number }): OfferingQueue {
  const queue = new PQueue({ concurrency: o.concurrency });
  let meanMs = 0;
  let samples = 0;
  return {
    async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      if (queue.size >= o.maxQueue) {
        throw new ClawError("QUEUE_FULL", { message: `The queue of ${o.model} holds ${queue.size} jobs (limit ${o.maxQueue}); retry later.` });
      }
      const result = await queue.add(
        async () => {
          const t0 = performance.now();
          try {
            return await task();
          } finally {
            samples = Math.min(samples + 1, 100);
            meanMs += (performance.now() - t0 - meanMs) / samples;
          }
        },
        signal ? { signal } : {},
      );
      return result as T;
    },
    expectedWaitMs() {
      const waiting = queue.size + Math.max(0, queue.pending - o.concurrency + 1);
      return Math.round((waiting * meanMs) / o.concurrency);
    },
    get size() {
      return queue.size;
    },
    get pending() {
      return queue.pending;
    },
    onIdle: () => queue.onIdle(),
  };
}
