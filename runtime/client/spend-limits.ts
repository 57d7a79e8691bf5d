/**
 * Spending limits of a paying fetch or the gateway, decided before anything is opened or paid. Pure.
 *
 * The rule: a request is admitted only if it cannot take the spending past a limit. The most one
 * request can cost is `price × maxRequestSeconds` (the paying fetch aborts a request at that time, and
 * the provider bills floor(ms × price / 1000) <= that), so a request is admitted when
 * `spent in the last hour + that worst case <= maxSpendPerHour`, and the same for the day. Spending
 * is what providers billed (the `claw` billing of each answer); an answer whose billing never arrived
 * counts at its worst case (the limit errs on the payer's side). Gas is not spending here.
 * Prices above `maxPricePerSecond` are never used; `maxDepositPerStream` caps each stream's deposit
 * (stream-size.ts shrinks the window to fit, or refuses).
 */
import { ClawError } from "../core/errors.ts";

export type SpendLimits = {
  /** Never buy from a provider asking more than this (wei per second). */
  maxPricePerSecond?: bigint;
  /** Never lock more than this in one stream (wei). */
  maxDepositPerStream?: bigint;
  /** Spending in any sliding hour stays within this (wei). */
  maxSpendPerHour?: bigint;
  /** Spending in any sliding 24 hours stays within this (wei). */
  maxSpendPerDay?: bigint;
};

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One billed (or worst-case counted) request. */
export type SpendRecord = { at: number; cost: bigint };

/** What was spent at or after `since` (ms). Pure. */
export function spentSince(records: readonly SpendRecord[], since: number): bigint {
  let total = 0n;
  for (const r of records) if (r.at >= since) total += r.cost;
  return total;
}

/** The most one request at `pricePerSecond` can cost when cut at `maxRequestSeconds`. Pure. */
export function worstCaseCost(pricePerSecond: bigint, maxRequestSeconds: number): bigint {
  return pricePerSecond * BigInt(Math.ceil(maxRequestSeconds));
}

export type SpendInput = { limits: SpendLimits; spentLastHour: bigint; spentLastDay: bigint; worstCase: bigint };

/**
 * Undefined when the request may go; otherwise the SPEND_LIMIT_REACHED error naming the limit.
 *
 * @example
 * decideSpend({ limits: { maxSpendPerHour: 100n }, spentLastHour: 90n, spentLastDay: 90n, worstCase: 20n }) // ClawError
 */
export function decideSpend(i: SpendInput): ClawError | undefined {
  const windows = [
    { name: "hour", limit: i.limits.maxSpendPerHour, spent: i.spentLastHour },
    { name: "day", limit: i.limits.maxSpendPerDay, spent: i.spentLastDay },
  ] as const;
  for (const w of windows) {
    if (w.limit === undefined || w.spent + i.worstCase <= w.limit) continue;
    return new ClawError("SPEND_LIMIT_REACHED", {
      message: `Spending limit per ${w.name} reached: ${w.spent} wei spent in the last ${w.name}, this request may cost up to ${i.worstCase} wei, the limit is ${w.limit} wei.`,
      details: { window: w.name, spent: w.spent.toString(), worstCase: i.worstCase.toString(), limit: w.limit.toString() },
    });
  }
  return undefined;
}

/** Keeps the providers within the price limit; PRICE_ABOVE_MAX when none is. Pure. */
export function withinPrice<P extends { pricePerSecond: bigint; id: bigint }>(providers: readonly P[], limits: SpendLimits, model: string): P[] {
  const max = limits.maxPricePerSecond;
  if (max === undefined) return [...providers];
  const ok = providers.filter((p) => p.pricePerSecond <= max);
  if (ok.length === 0 && providers.length > 0) {
    const cheapest = providers.reduce((a, b) => (b.pricePerSecond < a.pricePerSecond ? b : a));
    throw new ClawError("PRICE_ABOVE_MAX", {
      message: `Every provider of "${model}" asks more than your maximum of ${max} wei/s (the cheapest, #${cheapest.id}, asks ${cheapest.pricePerSecond} wei/s).`,
      details: { model, maxPricePerSecond: max.toString(), cheapest: cheapest.pricePerSecond.toString() },
    });
  }
  return ok;
}
