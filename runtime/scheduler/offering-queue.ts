/**
 * One queue per offering: at most `concurrency` jobs run at once, the others wait in arrival order,
 * at most `maxQueue` of them. Time spent waiting here is never billed: metering starts when the task
 * starts.
 *
 * A job that finds a free slot starts at once, in the caller's turn: no timer, no listener, no
 * promise of its own (the paid path's hot case). Only a job that has to wait listens to its signal,
 * and stops listening when it leaves the queue; a running task is never raced with the signal (its
 * ending, billed and logged, is its answer).
 */
import { ClawError } from "../core/errors.ts";

export type OfferingQueue = {
  /**
   * Runs `task` when a slot is free; rejects with QUEUE_FULL at once when the queue is full, and with
   * the reason of the first of `signals` that aborts while it waits.
   */
  run<T>(task: () => Promise<T>, signals?: AbortSignal | readonly AbortSignal[]): Promise<T>;
  /** Expected wait in ms for a new job, from the mean job time seen so far. */
  expectedWaitMs(): number;
  /** Jobs waiting for a slot. */
  readonly size: number;
  /** Jobs running. */
  readonly pending: number;
  /** Resolves when nothing runs and nothing waits. */
  onIdle(): Promise<void>;
};

type Waiter = { start: () => void; left: boolean; signals?: readonly AbortSignal[]; onAbort?: (event: Event) => void };

/**
 * @example
 * const q = createOfferingQueue({ model: "echo-1", concurrency: 4, maxQueue: 256 });
 * const answer = await q.run(() => backendCall());
 */
export function createOfferingQueue(o: { model: string; concurrency: number; maxQueue: number }): OfferingQueue {
  const concurrency = Math.max(1, Math.floor(o.concurrency));
  // FIFO without shifting an array: waiters[head] is the next to start.
  let waiters: Waiter[] = [];
  let head = 0;
  let waiting = 0;
  let running = 0;
  let idle: Array<() => void> = [];
  let meanMs = 0;
  let samples = 0;

  function next(): void {
    while (running < concurrency && head < waiters.length) {
      const w = waiters[head++]!;
      if (w.left) continue; // aborted while waiting
      w.left = true;
      waiting -= 1;
      if (w.onAbort) for (const s of w.signals!) s.removeEventListener("abort", w.onAbort);
      w.start();
    }
    if (head === waiters.length) {
      waiters = [];
      head = 0;
    } else if (head > 1024 && head * 2 > waiters.length) {
      waiters = waiters.slice(head);
      head = 0;
    }
    settleIdle();
  }

  function settleIdle(): void {
    if (running !== 0 || waiting !== 0 || idle.length === 0) return;
    const done = idle;
    idle = [];
    for (const fn of done) fn();
  }

  function launch<T>(task: () => Promise<T>): Promise<T> {
    running += 1;
    const t0 = performance.now();
    let p: Promise<T>;
    try {
      p = task();
    } catch (err) {
      p = Promise.reject(err);
    }
    const finish = () => {
      running -= 1;
      samples = Math.min(samples + 1, 100);
      meanMs += (performance.now() - t0 - meanMs) / samples;
      next();
    };
    p.then(finish, finish);
    return p;
  }

  return {
    run<T>(task: () => Promise<T>, signal?: AbortSignal | readonly AbortSignal[]): Promise<T> {
      if (waiting >= o.maxQueue) {
        return Promise.reject(new ClawError("QUEUE_FULL", { message: `The queue of ${o.model} holds ${waiting} jobs (limit ${o.maxQueue}); retry later.` }));
      }
      const signals = signal === undefined ? [] : Array.isArray(signal) ? (signal as readonly AbortSignal[]) : [signal as AbortSignal];
      for (const s of signals) if (s.aborted) return Promise.reject(s.reason);
      if (running < concurrency && waiting === 0) return launch(task);
      return new Promise<T>((resolve, reject) => {
        const w: Waiter = { start: () => launch(task).then(resolve, reject), left: false };
        if (signals.length > 0) {
          w.signals = signals;
          const onAbort = (w.onAbort = (event: Event) => {
            if (w.left) return;
            w.left = true;
            for (const s of signals) s.removeEventListener("abort", onAbort);
            waiting -= 1;
            // Aborted waiters are skipped when reached; drop them early when they pile up behind a long job.
            if (waiters.length - head > 2 * waiting + 64) {
              waiters = waiters.slice(head).filter((x) => !x.left);
              head = 0;
            }
            reject((event.target as AbortSignal).reason);
            settleIdle();
          });
          for (const s of signals) s.addEventListener("abort", onAbort);
        }
        waiters.push(w);
        waiting += 1;
      });
    },
    expectedWaitMs() {
      const ahead = waiting + Math.max(0, running - concurrency + 1);
      return Math.round((ahead * meanMs) / concurrency);
    },
    get size() {
      return waiting;
    },
    get pending() {
      return running;
    },
    onIdle() {
      if (running === 0 && waiting === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
