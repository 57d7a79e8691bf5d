/**
 * How big a stream to open. Pure.
 *
 * StreamPay streams linearly: rate = deposit / duration. The provider's guard needs rate >= its price,
 * and the provider can take at most rate × elapsed seconds however little it metered. So the SDK
 * streams at exactly the price (deposit = price × duration, no rounding: the rate is the price to the
 * wei), which keeps the provider's worst case to "price × wall time" — the same as honest metering of
 * a job that ran the whole time. The duration is the stream's wall-clock window; it must cover the
 * compute (with headroom), the queue wait and the time transactions take. Whatever is not metered is
 * refunded at settlement, so headroom costs nothing but capital locked while the stream is open.
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
  if (i.maxDeposit !== undefined && price * duration > i.maxDeposit) {
    const affordable = i.maxDeposit / price;
    if (affordable < needed) {
      throw new ClawError("PRICE_ABOVE_MAX", {
        message: `A deposit of at most ${i.maxDeposit} wei buys ${affordable} s at ${price} wei/s; this job needs about ${needed} s.`,
        details: { pricePerSecond: price.toString(), maxDeposit: i.maxDeposit.toString(), neededSeconds: needed.toString() },
      });
    }
    duration = affordable;
  }
  return { durationSeconds: duration, deposit: price * duration, ratePerSecond: price };
}
