/**
 * Earnings as metered: per offering (model) and per UTC day, from ended jobs (a failed job is
 * billed for its metered time too); plus what the chain settled per day. Pure apart from updating
 * the state it is given.
 */
import type { StoredEvent } from "../events.ts";

export interface EarningsBucket { jobs: number; failed: number; meteredMs: bigint; earned: bigint }
export interface DayBucket extends EarningsBucket { settled: bigint }

export interface Earnings {
  total: EarningsBucket;
  /** Settled on chain (StreamSettled.earned) in total. */
  settled: bigint;
  byOffering: Map<string, EarningsBucket>;
  /** Keyed by UTC date, "YYYY-MM-DD". */
  byDay: Map<string, DayBucket>;
  /** Which offering each accepted job belongs to, until it ends (internal bookkeeping). */
  openJobs: Map<string, string>;
}

/** A fresh, empty earnings state. */
export const emptyEarnings = (): Earnings => ({
  total: { jobs: 0, failed: 0, meteredMs: 0n, earned: 0n }, settled: 0n, byOffering: new Map(), byDay: new Map(), openJobs: new Map(),
});

/**
 * The UTC date of a time in ms.
 * @example
 * utcDay(0) // "1970-01-01"
 */
export function utcDay(ms: number): string {
  const dayNumber = Math.floor(ms / 86_400_000);
  let day = dayNames.get(dayNumber);
  if (day === undefined) {
    day = new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);
    if (dayNames.size > 10_000) dayNames.clear();
    dayNames.set(dayNumber, day);
  }
  return day;
}
// Formatting a date costs more than the rest of an event's fold; days repeat, so remember them.
const dayNames = new Map<number, string>();

function add(b: EarningsBucket, failed: boolean, meteredMs: bigint, cost: bigint): void {
  b.jobs += 1;
  if (failed) b.failed += 1;
  b.meteredMs += meteredMs;
  b.earned += cost;
}

function day(s: Earnings, time: number): DayBucket {
  const key = utcDay(time);
  let d = s.byDay.get(key);
  if (!d) s.byDay.set(key, (d = { jobs: 0, failed: 0, meteredMs: 0n, earned: 0n, settled: 0n }));
  return d;
}

/**
 * @example
 * const earnings = store.replay(evolveEarnings, emptyEarnings());
 * earnings.byOffering.get("llama-3.3-70b")?.earned // wei
 */
export function evolveEarnings(s: Earnings, e: StoredEvent): Earnings {
  switch (e.type) {
    case "JobAccepted":
      s.openJobs.set(e.data.jobId, e.data.offering);
      return s;
    case "JobCompleted":
    case "JobFailed": {
      const failed = e.type === "JobFailed";
      const offering = s.openJobs.get(e.data.jobId) ?? "(unknown)";
      s.openJobs.delete(e.data.jobId);
      let o = s.byOffering.get(offering);
      if (!o) s.byOffering.set(offering, (o = { jobs: 0, failed: 0, meteredMs: 0n, earned: 0n }));
      for (const b of [s.total, o, day(s, e.time)]) add(b, failed, e.data.meteredMs, e.data.cost);
      return s;
    }
    case "StreamSettled":
      s.settled += e.data.earned;
      day(s, e.time).settled += e.data.earned;
      return s;
    default:
      return s;
  }
}
