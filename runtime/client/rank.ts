/**
 * The one ranking rule of discovery (SDK discover(), `claw infer`, `claw providers`, the gateway's
 * routing): providers are ordered by EFFECTIVE PRICE = price per second / quality, lowest first.
 *
 * quality = 1/2 + trusted/200, from 1/2 (trusted score 0) to 1 (trusted score 100), where
 *   trusted = 50 + (average − 50) × confidence,
 *   average = the registry's paid-weighted average score (scoreWeighted / weight),
 *   confidence = min(weight / (weight + 10,000,000 gwei), ratings / (ratings + 10)).
 * So an unrated provider counts as a score of 50 (effective price = 4/3 × price), a perfectly and
 * confidently rated one as its bare price, a confidently bad one as twice its price.
 *
 * Against washing (contracts/README.md: a wash through a second address costs 4 transactions,
 * ~201k gas, and no capital beyond coin in flight): confidence needs BOTH many ratings (10 washed
 * ratings give half confidence: ~2M gas) AND much paid weight (0.01 coin cycled gives half), and
 * whatever a wash buys, a perfect score lowers the effective price by at most 1/4 against an
 * unrated newcomer (4/3 × price → price), so a provider that washes its way to 100 still ranks
 * behind an honest newcomer more than 1/4 cheaper; at the same price it passes an established
 * provider of the same average only with more ratings than that one has (capital alone does not
 * do it: each wash rating is ~201k gas). Ties: effective price, then price, then the probe's
 * latency, then the older id.
 * Pure; money stays bigint (the effective price is rounded up: the consumer's side).
 */
import type { Reputation } from "../chain/actions/get-reputation.ts";

export const RANK_RULE = {
  priorScore: 50,
  priorRatings: 10n,
  /** Paid weight (gwei, the registry's RATING_WEIGHT_UNIT) that gives half confidence: 0.01 coin. */
  priorWeight: 10_000_000n,
} as const;

/** What ranking needs of a provider: its price, id, optional probe and on-chain reputation. */
export type Rankable = {
  id: bigint; pricePerSecond: bigint;
  health?: { latencyMs: number };
  reputation?: Pick<Reputation, "ratings" | "weight" | "scoreWeighted"> | null;
};

const BP = 10_000n; // basis points of quality

/**
 * Quality in basis points (5,000..10,000) from a reputation; 7,500 (score 50) when unrated. Pure.
 * @example
 * qualityBp({ ratings: 0n, weight: 0n, scoreWeighted: 0n }) // 7500n (trusted score 50)
 */
export function qualityBp(rep: Rankable["reputation"]): bigint {
  const r = rep ?? { ratings: 0n, weight: 0n, scoreWeighted: 0n };
  const prior = BigInt(RANK_RULE.priorScore);
  if (r.weight === 0n || r.ratings === 0n) return BP / 2n + (prior * BP) / 200n;
  // Everything scaled by BP·BP to stay in integers; confidence = the smaller of the two fractions.
  const cw = (r.weight * BP) / (r.weight + RANK_RULE.priorWeight);
  const cn = (r.ratings * BP) / (r.ratings + RANK_RULE.priorRatings);
  const confidence = cw < cn ? cw : cn; // 0..BP
  const averageX = (r.scoreWeighted * BP) / r.weight; // average score × BP, 0..100·BP
  const trustedX = prior * BP + ((averageX - prior * BP) * confidence) / BP; // trusted score × BP
  const clamped = trustedX < 0n ? 0n : trustedX > 100n * BP ? 100n * BP : trustedX;
  return BP / 2n + clamped / 200n;
}

/**
 * price / quality, rounded up. Pure.
 * @example
 * effectivePrice({ id: 1n, pricePerSecond: 3n }) // 4n (unrated: 3 / 0.75)
 */
export function effectivePrice(p: Rankable): bigint {
  const q = qualityBp(p.reputation);
  return (p.pricePerSecond * BP + q - 1n) / q;
}

/** The comparator: effective price, then price, then probe latency, then the older id. Pure. */
export function byRank(a: Rankable, b: Rankable): number {
  const ea = effectivePrice(a);
  const eb = effectivePrice(b);
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.pricePerSecond !== b.pricePerSecond) return a.pricePerSecond < b.pricePerSecond ? -1 : 1;
  const la = a.health?.latencyMs ?? 0;
  const lb = b.health?.latencyMs ?? 0;
  if (la !== lb) return la - lb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A sorted copy. Pure.
 * @example
 * rankProviders(found)[0] // the provider to try first
 */
export function rankProviders<P extends Rankable>(ps: readonly P[]): P[] {
  return [...ps].sort(byRank);
}
