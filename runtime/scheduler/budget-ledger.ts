/**
 * Per-stream budgets: what a stream can still pay for, in memory, rebuilt at start from the chain
 * (deposit) and the log (metered so far). A job reserves money before it is queued; it is refused up
 * front if not even a minimum job fits; its actual cost (never above its reservation, so never above
 * the deposit) is committed when it ends and the rest of the reservation is released.
 *
 * Rounding: reservation time = floor(wei * 1000 / price) ms and cost = floor(ms * price / 1000) wei,
 * both toward the payer, so a job that runs its whole reservation costs at most what was reserved.
 */
import { ClawError } from "../core/errors.ts";
import { budgetMs, meteredCost } from "../core/money.ts";

export type Reservation = { streamId: bigint; jobId: string; wei: bigint; ms: number; pricePerSecond: bigint };

export type StreamBudget = {
  deposit: bigint;
  metered: bigint;
  reserved: bigint;
  activeJobs: number;
  closed: boolean;
  lastActivityMs: number;
};

export type BudgetLedger = ReturnType<typeof createBudgetLedger>;

/**
 * @example
 * const ledger = createBudgetLedger();
 * ledger.track(7n, { deposit: 10_000n, metered: 0n });
 * const r = ledger.reserve(7n, "job-1", { pricePerSecond: 100n, minJobMs: 1000, maxJobMs: 60_000 });
 * ledger.commit(r, 1500); // costs 150 wei
 */
export function createBudgetLedger(now: () => number = Date.now) {
  const streams = new Map<bigint, StreamBudget>();

  function get(streamId: bigint): StreamBudget {
    const s = streams.get(streamId);
    if (!s) throw new ClawError("UNKNOWN_STREAM", { message: `Stream ${streamId} is not tracked by this runtime.` });
    return s;
  }

  return {
    has: (streamId: bigint) => streams.has(streamId),
    get: (streamId: bigint): Readonly<StreamBudget> | undefined => streams.get(streamId),
    entries: () => streams.entries(),

    /** Starts tracking a stream (idempotent: an existing entry keeps its reservations). */
    track(streamId: bigint, init: { deposit: bigint; metered: bigint; closed?: boolean }): StreamBudget {
      const existing = streams.get(streamId);
      if (existing) return existing;
      const s = { deposit: init.deposit, metered: init.metered, reserved: 0n, activeJobs: 0, closed: init.closed ?? false, lastActivityMs: now() };
      streams.set(streamId, s);
      return s;
    },

    /** Money left that no job has reserved: deposit − metered − reserved. */
    available(streamId: bigint): bigint {
      const s = get(streamId);
      return s.deposit - s.metered - s.reserved;
    },

    reserve(streamId: bigint, jobId: string, o: { pricePerSecond: bigint; minJobMs: number; maxJobMs: number }): Reservation {
      const s = get(streamId);
      if (s.closed) throw new ClawError("STREAM_ENDED", { message: `Stream ${streamId} is being settled or has ended; open a new stream.` });
      const available = s.deposit - s.metered - s.reserved;
      const wanted = meteredCost(BigInt(o.maxJobMs), o.pricePerSecond);
      const minimum = meteredCost(BigInt(o.minJobMs), o.pricePerSecond);
      const wei = available < wanted ? available : wanted;
      if (wei < minimum || wei <= 0n) {
        throw new ClawError("BUDGET_EXHAUSTED", {
          message: `Stream ${streamId} has ${available} wei unreserved; a job needs at least ${minimum} wei (${o.minJobMs} ms at ${o.pricePerSecond} wei/s).`,
          details: { availableWei: available.toString(), minimumWei: minimum.toString() },
        });
      }
      s.reserved += wei;
      s.activeJobs += 1;
      s.lastActivityMs = now();
      return { streamId, jobId, wei, ms: Number(budgetMs(wei, o.pricePerSecond) ?? BigInt(o.maxJobMs)), pricePerSecond: o.pricePerSecond };
    },

    /** Ends a job: bills `billedMs` (capped at the reservation), releases the rest. Returns the cost. */
    commit(r: Reservation, billedMs: number): bigint {
      const s = get(r.streamId);
      const raw = meteredCost(BigInt(Math.max(0, Math.floor(billedMs))), r.pricePerSecond);
      const cost = raw > r.wei ? r.wei : raw;
      s.reserved -= r.wei;
      s.metered += cost;
      s.activeJobs -= 1;
      s.lastActivityMs = now();
      return cost;
    },

    /** Stops serving a stream (settling, cancelled, settled, depleted). */
    close(streamId: bigint): void {
      const s = streams.get(streamId);
      if (s) s.closed = true;
    },
  };
}
