import { test } from "node:test";
import assert from "node:assert/strict";
import { byRank, effectivePrice, qualityBp, rankProviders, RANK_RULE, type Rankable } from "./rank.ts";

/** A reputation of `ratings` ratings averaging `score`, weighing `weight` gwei. */
const rep = (ratings: bigint, weight: bigint, score: bigint) => ({ ratings, weight, scoreWeighted: score * weight });

test("quality: unrated is a score of 50; confidence needs both ratings and paid weight", () => {
  const table: Array<[string, Rankable["reputation"], bigint]> = [
    ["none", null, 7_500n],
    ["zero weight (paid < 1 gwei)", rep(5n, 0n, 100n), 7_500n],
    ["one huge paid rating of 100: ratings cap confidence at 1/11", rep(1n, 10n ** 18n, 100n), 7_727n],
    ["1,000 tiny ratings of 100 (1,000 gwei in all): weight caps it", rep(1000n, 1000n, 100n), 7_500n],
    ["established: 90 ratings of 100, 0.09 coin", rep(90n, 90_000_000n, 100n), 9_750n],
    ["established bad: 90 ratings of 0, 0.09 coin", rep(90n, 90_000_000n, 0n), 5_250n],
    ["half confidence at 80", rep(RANK_RULE.priorRatings, RANK_RULE.priorWeight, 80n), 8_250n],
  ];
  for (const [name, r, want] of table) assert.equal(qualityBp(r), want, name);
});

test("effective price = price / quality, rounded up (the consumer's side)", () => {
  assert.equal(effectivePrice({ id: 1n, pricePerSecond: 3n }), 4n);
  assert.equal(effectivePrice({ id: 1n, pricePerSecond: 1n }), 2n, "1/0.75 rounds up");
  assert.equal(effectivePrice({ id: 1n, pricePerSecond: 975n, reputation: rep(90n, 90_000_000n, 100n) }), 1000n);
  assert.equal(effectivePrice({ id: 1n, pricePerSecond: 0n }), 0n);
});

test("ranking table: price against reputation, ties, and what a wash buys", () => {
  const P = 1_000_000_000_000n;
  const established = { id: 1n, pricePerSecond: P, reputation: rep(90n, 90_000_000n, 100n) };
  const newcomer = { id: 2n, pricePerSecond: P };
  const washed = { id: 3n, pricePerSecond: P, reputation: rep(50n, 10n ** 12n, 100n) }; // 50 washes (~10M gas), 1,000 coin cycled
  const washedMore = { id: 6n, pricePerSecond: P, reputation: rep(200n, 10n ** 12n, 100n) }; // 200 washes (~40M gas)
  const cheapNewcomer = { id: 4n, pricePerSecond: (P * 74n) / 100n };
  const bad = { id: 5n, pricePerSecond: P / 2n, reputation: rep(90n, 90_000_000n, 0n) };
  const order = (ps: Rankable[]) => rankProviders(ps).map((p) => p.id);
  // Same price: the rated one with more ratings first, whatever capital a wash cycles; only more washes
  // than the established provider has ratings (each ~201k gas) pass it.
  assert.deepEqual(order([newcomer, washed, established]), [1n, 3n, 2n]);
  assert.deepEqual(order([newcomer, washedMore, established]), [6n, 1n, 2n]);
  // A newcomer more than 1/4 cheaper beats even a perfect (washed or not) reputation.
  assert.deepEqual(order([washed, cheapNewcomer, established]), [4n, 1n, 3n]);
  // Half the price but confidently rated 0: effective 0.5P / 0.525 ≈ 0.95P, below the established 1.03P:
  // reputation moves a price by at most a factor of 2, so half the price still wins.
  assert.deepEqual(order([newcomer, bad, established]), [5n, 1n, 2n]);
  // At 0.6P the bad one (1.14P) falls behind the established one, still ahead of a newcomer (1.33P).
  assert.deepEqual(order([newcomer, { ...bad, pricePerSecond: (P * 6n) / 10n }, established]), [1n, 5n, 2n]);
  // Equal everything: the faster probe, then the older id.
  const a = { id: 9n, pricePerSecond: P, health: { latencyMs: 5 } };
  const b = { id: 8n, pricePerSecond: P, health: { latencyMs: 9 } };
  assert.ok(byRank(a, b) < 0);
  assert.ok(byRank({ id: 8n, pricePerSecond: P }, { id: 9n, pricePerSecond: P }) < 0);
  // Without reputations the rule is the old cheapest-first order.
  assert.deepEqual(order([{ id: 1n, pricePerSecond: 3n * P }, { id: 2n, pricePerSecond: P }]), [2n, 1n]);
});
