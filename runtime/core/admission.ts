/**
 * Admission: can this job start now on this stream, and how much may it reserve? Pure.
 *
 * The rule (README "Metering, budgets and settlement"):
 * 1. Streamed covers metered. A stream paying `rate = deposit / duration` runs at most
 *    `slots = floor(deposit / (price × duration))` jobs at once (reserved, queued or running). Each
 *    running job accrues at most `price` wei per second, so together they accrue at most
 *    `slots × price <= rate`: what the stream has metered grows no faster than it streams. A job
 *    beyond the slots waits for one to free (`wait`); the caller refuses it with STREAM_BUSY when
 *    it could not start in time.
 * 2. Nothing runs into the settlement margin. A reservation never reaches past
 *    `end − endMarginMs`, so every job has ended (and can be settled) before the stream expires.
 * 3. Money. A job reserves min(what is unreserved, maxJobMs of price, time to end − margin of price);
 *    fewer than `minJobMs` of money is a refusal (BUDGET_EXHAUSTED).
 * All divisions floor, toward the payer: a reservation never promises time the money does not cover.
 */
import { budgetMs, meteredCost } from "./money.ts";

export type AdmissionInput = {
  nowMs: number;
  /**
   * The stream on chain: deposit (wei), start (unix s) and duration (s). Without start and duration
   * (a ledger unit test, never the guard, which always reads the stream) only the money rule applies.
   */
  stream: { deposit: bigint; startTime?: bigint; duration?: bigint };
  pricePerSecond: bigint;
  /** What the runtime holds against the stream: metered (ended jobs), reserved and jobs holding a slot. */
  budget: { metered: bigint; reserved: bigint; activeJobs: number; closed: boolean };
  minJobMs: number;
  maxJobMs: number;
  endMarginMs: number;
};

export type AdmissionRefusal = { kind: "refuse"; code: "STREAM_ENDED" | "STREAM_ENDING" | "STREAM_RATE_TOO_LOW" | "BUDGET_EXHAUSTED"; message: string };

export type AdmissionDecision =
  | { kind: "reserve"; wei: bigint; ms: number; slots: number }
  /** Every slot is taken; a slot frees when a job ends. Starting later than `latestStartMs` is pointless. */
  | { kind: "wait"; slots: number; latestStartMs: number }
  | AdmissionRefusal;

/** How many jobs a stream pays for at once: floor(deposit / (price × duration)), 0 when rate < price. */
export function parallelSlots(stream: { deposit: bigint; duration: bigint }, pricePerSecond: bigint): number {
  if (stream.duration <= 0n || pricePerSecond <= 0n) return 0;
  const slots = stream.deposit / (pricePerSecond * stream.duration);
  return slots > 1_000_000n ? 1_000_000 : Number(slots);
}

/** The last instant (ms) a job may run until: the stream's end minus the settlement margin. */
export function usableUntilMs(stream: { startTime: bigint; duration: bigint }, endMarginMs: number): number {
  return Number((stream.startTime + stream.duration) * 1000n) - endMarginMs;
}

/**
 * @example
 * decideAdmission({ nowMs, stream: { deposit: 600n, startTime, duration: 600n }, pricePerSecond: 1n,
 *   budget: { metered: 0n, reserved: 0n, activeJobs: 0, closed: false }, minJobMs: 100, maxJobMs: 120_000, endMarginMs: 5_000 })
 * // -> { kind: "reserve", wei: 120n, ms: 120_000, slots: 1 }
 */
export function decideAdmission(i: AdmissionInput): AdmissionDecision {
  const { stream, pricePerSecond: price, budget } = i;
  if (budget.closed) return { kind: "refuse", code: "STREAM_ENDED", message: "The stream is being settled or has ended; open a new stream." };
  const timed = stream.startTime !== undefined && stream.duration !== undefined;
  const slots = timed ? parallelSlots({ deposit: stream.deposit, duration: stream.duration! }, price) : Number.MAX_SAFE_INTEGER;
  if (slots < 1) {
    return { kind: "refuse", code: "STREAM_RATE_TOO_LOW", message: `The stream streams ${stream.duration! > 0n ? stream.deposit / stream.duration! : 0n} wei/s; one job needs ${price} wei/s.` };
  }
  const untilMs = timed ? usableUntilMs({ startTime: stream.startTime!, duration: stream.duration! }, i.endMarginMs) : Number.MAX_SAFE_INTEGER;
  const timeLeftMs = timed ? untilMs - i.nowMs : i.maxJobMs;
  if (timed && timeLeftMs < i.minJobMs) {
    return {
      kind: "refuse", code: "STREAM_ENDING",
      message: `The stream ends at ${stream.startTime! + stream.duration!} (unix s); with the ${i.endMarginMs} ms settlement margin, ${Math.max(0, timeLeftMs)} ms are left, less than a ${i.minJobMs} ms job. Open a new stream.`,
    };
  }
  if (budget.activeJobs >= slots) return { kind: "wait", slots, latestStartMs: untilMs - i.minJobMs };
  const available = stream.deposit - budget.metered - budget.reserved;
  const wantedMs = Math.min(i.maxJobMs, timeLeftMs);
  const wanted = meteredCost(BigInt(wantedMs), price);
  const minimum = meteredCost(BigInt(i.minJobMs), price);
  const wei = available < wanted ? available : wanted;
  if (wei < minimum || wei <= 0n) {
    return {
      kind: "refuse", code: "BUDGET_EXHAUSTED",
      message: `The stream has ${available > 0n ? available : 0n} wei unreserved; a job needs at least ${minimum} wei (${i.minJobMs} ms at ${price} wei/s).`,
    };
  }
  // budgetMs(floor(t × p / 1000)) <= t, so the reservation's time never passes end − margin.
  const ms = Math.min(wantedMs, Number(budgetMs(wei, price) ?? BigInt(wantedMs)));
  return { kind: "reserve", wei, ms, slots };
}
