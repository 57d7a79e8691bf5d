/**
 * How big a stream to open, and when its provider's settlement can be covered. Pure.
 *
 * StreamPay streams linearly: rate = deposit / duration. The provider's guard needs rate >= its price
 * and runs at most floor(rate / price) jobs of a stream at once, so what it meters never outruns what
 * the stream has streamed. The SDK streams at exactly price × parallel (deposit = rate × duration, no
 * rounding: the rate is price × n to the wei), where `parallel` is how many requests the caller runs
 * at once on the stream (default 1). The consumer's worst case is then what the provider can take
 * without metering — rate × elapsed seconds, on a cancel — which is exactly "n jobs billed for the
 * whole wall time", the most n honest jobs could cost; and the provider's worst case is nothing
 * lost: n jobs at once meter at most price × n per second, which the stream streams, so settlement is
 * covered as soon as they are metered (coverableAt below), and the SDK never cancels before that.
 * The duration is the stream's wall-clock window; it must cover the compute (with headroom), the
 * queue wait and the time transactions take. Whatever is not metered is refunded at settlement, so
 * headroom (and a parallelism the caller did not use) costs nothing but capital locked while the
 * stream is open.
 */
import { ClawError } from "../core/errors.ts";

/** StreamPay's MAX_DURATION (uint24). */
export const MAX_STREAM_SECONDS = 16_777_215n;
/** Seconds allowed for the open transaction to be mined and the settlement to land. */
export const TX_ALLOWANCE_SECONDS = 60n;
/** Expected compute per job when the caller says nothing. */
export const DEFAULT_EXPECTED_SECONDS = 30;

export type SizeInput = {
  /** The price to stream at (the higher of the quote's and the registry's). */
  pricePerSecond: bigint;
  /** Refuse (PRICE_ABOVE_MAX) when the price is above this. */
  maxPricePerSecond?: bigint;
  /** Compute seconds the caller expects to buy on this stream in total (default 30). */
  expectedSeconds?: number;
  /** Headroom multiplier on the expected compute (default 2). */
  headroom?: number;
  /** The provider's current queue wait. */
  queueWaitMs?: number;
  /** The provider's minimum job (its guard refuses a stream that cannot cover one). */
  minJobMs?: number;
  /** Never deposit more than this; the window shrinks to fit, or PRICE_ABOVE_MAX if even the expected compute does not fit. */
  maxDeposit?: bigint;
  /** An explicit window in seconds (overrides the computed one). */
  durationSeconds?: number;
  /** Requests the caller runs at once on this stream (default 1): the stream pays price × parallel per second. */
  parallel?: number;
  /**
   * What the spending limits leave (wei): the window shrinks so the whole deposit fits — what the
   * stream can still stream then never exceeds the allowance — or SPEND_LIMIT_REACHED when the
   * window would be shorter than `minDurationSeconds`.
   */
  allowance?: bigint;
  /** The shortest window worth opening under `allowance` (default: the minimum job + 1 s). */
  minDurationSeconds?: number;
};

export type StreamSize = { durationSeconds: bigint; deposit: bigint; ratePerSecond: bigint };

const ceilSeconds = (ms: number): bigint => BigInt(Math.ceil(Math.max(0, ms) / 1000));

/**
 * @example
 * sizeStream({ pricePerSecond: 10n, expectedSeconds: 5 })
 * // { durationSeconds: 71n, deposit: 710n, ratePerSecond: 10n }  (5×2 compute + 1 min job + 60 tx)
 */
export function sizeStream(i: SizeInput): StreamSize {
  const price = i.pricePerSecond;
  const parallel = i.parallel ?? 1;
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 1024) {
    throw new ClawError("BAD_REQUEST", { message: `parallel must be a whole number from 1 to 1024, got ${String(parallel)}.` });
  }
  const rate = price * BigInt(parallel);
  if (price <= 0n) throw new ClawError("QUOTE_MISMATCH", { message: `A price of ${price} wei/s is not a valid offer.` });
  if (i.maxPricePerSecond !== undefined && price > i.maxPricePerSecond) {
    throw new ClawError("PRICE_ABOVE_MAX", {
      message: `The provider asks ${price} wei/s, above your maximum of ${i.maxPricePerSecond} wei/s.`,
      details: { pricePerSecond: price.toString(), maxPricePerSecond: i.maxPricePerSecond.toString() },
    });
  }
  const expectedMs = (i.expectedSeconds ?? DEFAULT_EXPECTED_SECONDS) * 1000;
  const minJob = ceilSeconds(i.minJobMs ?? 1000);
  const needed = ceilSeconds(expectedMs) + minJob;
  let duration =
    i.durationSeconds !== undefined
      ? BigInt(Math.ceil(i.durationSeconds))
      : ceilSeconds(expectedMs * (i.headroom ?? 2)) + minJob + ceilSeconds(i.queueWaitMs ?? 0) + TX_ALLOWANCE_SECONDS;
  if (duration < minJob + 1n) duration = minJob + 1n;
  if (duration > MAX_STREAM_SECONDS) duration = MAX_STREAM_SECONDS;
  if (i.maxDeposit !== undefined && rate * duration > i.maxDeposit) {
    const affordable = i.maxDeposit / rate;
    if (affordable < needed) {
      throw new ClawError("PRICE_ABOVE_MAX", {
        message: `A deposit of at most ${i.maxDeposit} wei buys ${affordable} s at ${rate} wei/s (${parallel} at once); this job needs about ${needed} s.`,
        details: { pricePerSecond: price.toString(), maxDeposit: i.maxDeposit.toString(), neededSeconds: needed.toString() },
      });
    }
    duration = affordable;
  }
  if (i.allowance !== undefined && rate * duration > i.allowance) {
    const least = BigInt(Math.ceil(Math.max(i.minDurationSeconds ?? 0, Number(minJob) + 1)));
    const affordable = i.allowance / rate;
    if (affordable < least) {
      throw new ClawError("SPEND_LIMIT_REACHED", {
        message: `The spending limits leave ${i.allowance} wei: at ${rate} wei/s (${parallel} at once) that opens a stream of ${affordable} s, shorter than the ${least} s one request needs (its time cap and margins).`,
        details: { allowance: i.allowance.toString(), ratePerSecond: rate.toString(), neededSeconds: least.toString() },
      });
    }
    duration = affordable;
  }
  return { durationSeconds: duration, deposit: rate * duration, ratePerSecond: rate };
}

/**
 * The first second (unix) at which the stream has streamed `metered`: from then on the provider's
 * settle(metered) is covered. Past the stream's end everything is streamed, so it is never later
 * than the end (for metered ≤ deposit). Rounds up: never earlier than true.
 * @example
 * coverableAt({ startTime: 1000n, durationSeconds: 100n, deposit: 1000n }, 250n) // 1025n
 */
export function coverableAt(s: { startTime: bigint; durationSeconds: bigint; deposit: bigint }, metered: bigint): bigint {
  if (s.durationSeconds <= 0n || s.deposit <= 0n) return s.startTime;
  const end = s.startTime + s.durationSeconds;
  if (metered >= s.deposit) return end;
  // streamed(t) = deposit × (t − start) / duration (StreamPay rounds down): the least t with streamed ≥ metered.
  const t = s.startTime + (metered * s.durationSeconds + s.deposit - 1n) / s.deposit;
  return t < end ? t : end;
}
