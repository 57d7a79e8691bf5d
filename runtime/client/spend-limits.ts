/**
 * Spending limits of a paying fetch or the gateway, decided before anything is opened or paid. Pure.
 *
 * The rule: the chain can never take more than a limit. What it can take is counted from the chain's
 * side (chain-spend.ts): every open stream's whole deposit (the part not streamed yet streams to the
 * provider unless the stream is closed) and what closed streams paid — never what a provider reports.
 * So a stream is opened only if `committed + its deposit <= limit` for the hour and the day, with its
 * deposit reserved before that check, atomically (spend-book.ts); its window shrinks to fit what is
 * left (stream-size.ts). Requests on an open stream are paid out of its deposit, which is already
 * counted: any number of them at once cannot take the spending past the limit. Gas is not spending.
 * Prices above `maxPricePerSecond` are never used; `maxDepositPerStream` caps each stream's deposit.
 */
import { ClawError } from "../core/errors.ts";

export type SpendLimits = {
  /** Never buy from a provider asking more than this (wei per second). */
  maxPricePerSecond?: bigint;
  /** Never lock more than this in one stream (wei). */
  maxDepositPerStream?: bigint;
  /** What the chain can take in any sliding hour stays within this (wei). */
  maxSpendPerHour?: bigint;
  /** What the chain can take in any sliding 24 hours stays within this (wei). */
  maxSpendPerDay?: bigint;
};

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The most one request at `pricePerSecond` can cost when cut at `maxRequestSeconds`. Pure. */
export function worstCaseCost(pricePerSecond: bigint, maxRequestSeconds: number): bigint {
  return pricePerSecond * BigInt(Math.ceil(maxRequestSeconds));
}

export type SpendInput = {
  limits: SpendLimits;
  /** What the chain can take at most, counted over the last hour and day (closed streams paid + open deposits + reservations). */
  committedHour: bigint;
  committedDay: bigint;
  /** What this opening would add (its deposit). */
  amount: bigint;
};

/**
 * What is left under the limits given what is committed: the smaller of the two windows' room,
 * never negative; undefined when no spending limit is set. Pure.
 * @example
 * remainingAllowance({ maxSpendPerHour: 100n, maxSpendPerDay: 150n }, 20n, 90n) // 60n
 */
export function remainingAllowance(limits: SpendLimits, committedHour: bigint, committedDay: bigint): bigint | undefined {
  let room: bigint | undefined;
  for (const [limit, used] of [[limits.maxSpendPerHour, committedHour], [limits.maxSpendPerDay, committedDay]] as const) {
    if (limit === undefined) continue;
    const left = limit > used ? limit - used : 0n;
    if (room === undefined || left < room) room = left;
  }
  return room;
}

/**
 * Undefined when `amount` more fits both windows; otherwise the SPEND_LIMIT_REACHED error naming the limit.
 *
 * @example
 * decideSpend({ limits: { maxSpendPerHour: 100n }, committedHour: 90n, committedDay: 90n, amount: 20n }) // ClawError
 */
export function decideSpend(i: SpendInput): ClawError | undefined {
  const windows = [
    { name: "hour", limit: i.limits.maxSpendPerHour, used: i.committedHour },
    { name: "day", limit: i.limits.maxSpendPerDay, used: i.committedDay },
  ] as const;
  for (const w of windows) {
    if (w.limit === undefined || w.used + i.amount <= w.limit) continue;
    return new ClawError("SPEND_LIMIT_REACHED", {
      message: `Spending limit per ${w.name} reached: ${w.used} wei is committed in the last ${w.name} (paid by closed streams and locked in open ones until they close), a stream for this request needs at least ${i.amount} wei more, the limit is ${w.limit} wei.`,
      details: { window: w.name, committed: w.used.toString(), needed: i.amount.toString(), limit: w.limit.toString() },
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
