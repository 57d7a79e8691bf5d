/**
 * Metering and budget math, in wei, bigint only. Every division rounds toward the payer: the
 * consumer is never charged for a fraction of a wei, and a budget never promises time the money
 * does not cover. Pure.
 */

function requireNonNegative(name: string, value: bigint): void {
  if (value < 0n) throw new RangeError(`${name} must be >= 0, got ${value}`);
}

/**
 * The cost of `meteredMs` milliseconds at `pricePerSecond` wei/s: floor(ms * price / 1000).
 * Rounding down favours the payer (at most 1 wei less than the exact price per job).
 * @example
 * meteredCost(1500n, 1000n) // 1500n
 * meteredCost(1n, 999n)     // 0n (0.999 wei, rounded toward the payer)
 */
export function meteredCost(meteredMs: bigint, pricePerSecond: bigint): bigint {
  requireNonNegative("meteredMs", meteredMs);
  requireNonNegative("pricePerSecond", pricePerSecond);
  return (meteredMs * pricePerSecond) / 1000n;
}

/**
 * How many whole milliseconds `remainingWei` buys at `pricePerSecond`: floor(remaining * 1000 / price).
 * Always fits: meteredCost(budgetMs(r, p), p) <= r. Price 0 means free: the budget is unbounded
 * and this returns null.
 * @example
 * budgetMs(1000n, 1000n) // 1000n
 * budgetMs(1n, 3n)       // 333n
 */
export function budgetMs(remainingWei: bigint, pricePerSecond: bigint): bigint | null {
  requireNonNegative("remainingWei", remainingWei);
  requireNonNegative("pricePerSecond", pricePerSecond);
  if (pricePerSecond === 0n) return null;
  // Conservative on purpose: this is the time the money covers at the exact rate. Floor metering
  // would let a job run slightly longer for the same wei; we never promise that slack.
  return (remainingWei * 1000n) / pricePerSecond;
}

/**
 * What is left of a stream for new jobs: deposit - metered - reserved, never below 0.
 * @example
 * remainingBudget(100n, 30n, 20n) // 50n
 */
export function remainingBudget(deposit: bigint, metered: bigint, reserved: bigint = 0n): bigint {
  const left = deposit - metered - reserved;
  return left > 0n ? left : 0n;
}

/**
 * A stream's whole-wei per-second rate: floor(deposit / duration).
 * @example
 * streamRate(1000n, 3n) // 333n
 */
export function streamRate(deposit: bigint, duration: bigint): bigint {
  if (duration <= 0n) throw new RangeError(`duration must be > 0, got ${duration}`);
  requireNonNegative("deposit", deposit);
  return deposit / duration;
}

/**
 * Adds wei amounts (bigint), e.g. to total a list of job costs.
 * @example
 * sumWei([1n, 2n, 3n]) // 6n
 */
export function sumWei(values: Iterable<bigint>): bigint {
  let total = 0n;
  for (const v of values) total += v;
  return total;
}
