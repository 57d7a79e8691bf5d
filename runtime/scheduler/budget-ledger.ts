/**
 * Per-stream budgets: what a stream can still pay for, in memory, rebuilt at start from the chain
 * (deposit, start, duration) and the log (metered so far). The rules are core/admission.ts's
 * `decideAdmission`; this file only gathers its inputs, applies its answer and wakes jobs waiting
 * for one of a stream's parallel slots (floor(rate / price)) when a job ends.
 *
 * A job's actual cost (decided by core/billing.ts, never above its reservation, so never above the
 * deposit) is applied when it ends and the rest of the reservation is released: exactly once.
 */
import { decideAdmission } from "../core/admission.ts";
import { ClawError } from "../core/errors.ts";
import { meteredCost } from "../core/money.ts";

/**
 * A job's hold on a stream: `wei` for at most `ms` of work at `pricePerSecond`. `reservedAtMs` is when
 * it was made (the ledger's clock): `ms` was sized from then so that reservedAtMs + ms <= end − margin,
 * so the job's cut counts from there (run-job.ts), queue wait included.
 */
export type Reservation = { streamId: bigint; jobId: string; wei: bigint; ms: number; pricePerSecond: bigint; reservedAtMs: number };

export type StreamBudget = {
  deposit: bigint;
  metered: bigint;
  reserved: bigint;
  /** Jobs holding one of the stream's parallel slots (reserved, queued or running). */
  activeJobs: number;
  closed: boolean;
  lastActivityMs: number;
  /** The stream on chain, when known: start (unix s) and duration (s); its end in ms. */
  startTime?: bigint;
  duration?: bigint;
  endMs?: number;
};

export type ReserveTerms = { pricePerSecond: bigint; minJobMs: number; maxJobMs: number };

export type BudgetLedger = ReturnType<typeof createBudgetLedger>;

/**
 * @example
 * const ledger = createBudgetLedger({ endMarginMs: 5_000 });
 * ledger.track(7n, { deposit: 10_000n, metered: 0n, startTime: 1_700_000_000n, duration: 100n });
 * const r = await ledger.reserveWhenFree(7n, "job-1", { pricePerSecond: 100n, minJobMs: 1000, maxJobMs: 60_000 }, { untilMs: Date.now() + 30_000 });
 * ledger.end(r, 150n);
 */
export function createBudgetLedger(o: { endMarginMs?: number; now?: () => number } | (() => number) = {}) {
  const opts = typeof o === "function" ? { now: o } : o;
  const now = opts.now ?? Date.now;
  const endMarginMs = opts.endMarginMs ?? 0;
  const streams = new Map<bigint, StreamBudget>();
  const waiters = new Map<bigint, Set<() => void>>();
  const ended = new WeakSet<Reservation>();

  function get(streamId: bigint): StreamBudget {
    const s = streams.get(streamId);
    if (!s) throw new ClawError("UNKNOWN_STREAM", { message: `Stream ${streamId} is not tracked by this runtime.` });
    return s;
  }

  function wake(streamId: bigint): void {
    const set = waiters.get(streamId);
    if (set) for (const w of [...set]) w();
  }

  /** One admission attempt: a reservation, "wait" (every slot taken), or a thrown refusal. */
  function tryReserve(streamId: bigint, jobId: string, t: ReserveTerms): Reservation | { wait: true; latestStartMs: number } {
    const s = get(streamId);
    const at = now();
    const d = decideAdmission({
      nowMs: at, stream: { deposit: s.deposit, ...(s.startTime !== undefined && s.duration !== undefined ? { startTime: s.startTime, duration: s.duration } : {}) },
      pricePerSecond: t.pricePerSecond, budget: { metered: s.metered, reserved: s.reserved, activeJobs: s.activeJobs, closed: s.closed },
      minJobMs: t.minJobMs, maxJobMs: t.maxJobMs, endMarginMs,
    });
    if (d.kind === "wait") return { wait: true, latestStartMs: d.latestStartMs };
    if (d.kind === "refuse") {
      const details = d.code === "BUDGET_EXHAUSTED"
        ? { availableWei: (s.deposit - s.metered - s.reserved).toString(), minimumWei: meteredCost(BigInt(t.minJobMs), t.pricePerSecond).toString() }
        : undefined;
      throw new ClawError(d.code, { message: `Stream ${streamId}: ${d.message}`, ...(details ? { details } : {}) });
    }
    const { wei, ms } = d;
    s.reserved += wei;
    s.activeJobs += 1;
    s.lastActivityMs = at;
    return { streamId, jobId, wei, ms, pricePerSecond: t.pricePerSecond, reservedAtMs: at };
  }

  return {
    has: (streamId: bigint) => streams.has(streamId),
    get: (streamId: bigint): Readonly<StreamBudget> | undefined => streams.get(streamId),
    entries: () => streams.entries(),
    endMarginMs,

    /**
     * Starts tracking a stream (idempotent: an existing entry keeps its reservations; a later call may add the stream's timing).
     * `activeJobs`: jobs other instances run on it now (a shared log); 0 for a runtime alone on its log.
     */
    track(streamId: bigint, init: { deposit: bigint; metered: bigint; closed?: boolean; startTime?: bigint; duration?: bigint; activeJobs?: number }): StreamBudget {
      const existing = streams.get(streamId);
      const timing = init.startTime !== undefined && init.duration !== undefined && init.duration > 0n
        ? { startTime: init.startTime, duration: init.duration, endMs: Number((init.startTime + init.duration) * 1000n) }
        : {};
      if (existing) {
        if (existing.startTime === undefined) Object.assign(existing, timing);
        return existing;
      }
      const s: StreamBudget = { deposit: init.deposit, metered: init.metered, reserved: 0n, activeJobs: init.activeJobs ?? 0, closed: init.closed ?? false, lastActivityMs: now(), ...timing };
      streams.set(streamId, s);
      return s;
    },

    /** Money left that no job has reserved: deposit − metered − reserved. */
    available(streamId: bigint): bigint {
      const s = get(streamId);
      return s.deposit - s.metered - s.reserved;
    },

    /** Reserves now, or throws: STREAM_BUSY when every parallel slot is taken, else the admission's refusal. */
    reserve(streamId: bigint, jobId: string, t: ReserveTerms): Reservation {
      const r = tryReserve(streamId, jobId, t);
      if ("wait" in r) {
        throw new ClawError("STREAM_BUSY", { message: `Stream ${streamId} already runs ${get(streamId).activeJobs} job(s), all its rate pays for at once; retry when one ends.` });
      }
      return r;
    },

    /**
     * Reserves as soon as one of the stream's slots is free, waiting at most until `untilMs` (or
     * `signal`); then STREAM_BUSY. A slot frees when a job ends (`end`).
     */
    async reserveWhenFree(streamId: bigint, jobId: string, t: ReserveTerms, w: { untilMs: number; signal?: AbortSignal }): Promise<Reservation> {
      for (;;) {
        const r = tryReserve(streamId, jobId, t);
        if (!("wait" in r)) return r;
        const until = Math.min(w.untilMs, r.latestStartMs);
        const left = until - now();
        if (left <= 0 || w.signal?.aborted) {
          throw new ClawError("STREAM_BUSY", {
            message: `Stream ${streamId} runs ${get(streamId).activeJobs} job(s) at once, all its rate pays for (floor(rate / price)); none ended before this request's deadline or the stream's last start. Send fewer requests at once or open a stream with a higher rate.`,
          });
        }
        await new Promise<void>((resolve) => {
          const set = waiters.get(streamId) ?? new Set<() => void>();
          waiters.set(streamId, set);
          const done = () => {
            clearTimeout(timer);
            set.delete(done);
            w.signal?.removeEventListener("abort", done);
            if (set.size === 0) waiters.delete(streamId);
            resolve();
          };
          const timer = setTimeout(done, left);
          set.add(done);
          w.signal?.addEventListener("abort", done, { once: true });
        });
      }
    },

    /** Ends a job: applies `cost` (capped at the reservation) and releases the rest. Idempotent per reservation. Returns the cost applied. */
    end(r: Reservation, cost: bigint): bigint {
      if (ended.has(r)) return 0n;
      ended.add(r);
      const s = get(r.streamId);
      const applied = cost < 0n ? 0n : cost > r.wei ? r.wei : cost;
      s.reserved -= r.wei;
      s.metered += applied;
      s.activeJobs -= 1;
      s.lastActivityMs = now();
      wake(r.streamId);
      return applied;
    },

    /** Ends a job billed `billedMs` at its price (capped at the reservation). Returns the cost. */
    commit(r: Reservation, billedMs: number): bigint {
      return this.end(r, meteredCost(BigInt(Math.max(0, Math.floor(billedMs))), r.pricePerSecond));
    },

    /**
     * Another instance sharing the log admitted a job on a tracked stream: it holds one of the
     * stream's slots until `foreignEnded`, so this instance's admissions and its settler count it.
     */
    foreignStarted(streamId: bigint, atMs: number): void {
      const s = streams.get(streamId);
      if (!s) return;
      s.activeJobs += 1;
      if (atMs > s.lastActivityMs) s.lastActivityMs = atMs;
    },

    /** Another instance's job on a tracked stream ended with `cost` (as its log event says): metered grows, its slot frees. */
    foreignEnded(streamId: bigint, cost: bigint, atMs: number): void {
      const s = streams.get(streamId);
      if (!s) return;
      s.activeJobs = Math.max(0, s.activeJobs - 1);
      s.metered += cost < 0n ? 0n : cost;
      s.lastActivityMs = Math.max(s.lastActivityMs, atMs, now());
      wake(streamId);
    },

    /** Stops serving a stream (settling, cancelled, settled, depleted); waiting jobs are refused. */
    close(streamId: bigint): void {
      const s = streams.get(streamId);
      if (s) s.closed = true;
      wake(streamId);
    },
  };
}
