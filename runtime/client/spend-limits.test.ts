import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decideSpend, remainingAllowance, withinPrice, worstCaseCost } from "./spend-limits.ts";

describe("decideSpend", () => {
  const table: Array<{ name: string; limits: Parameters<typeof decideSpend>[0]["limits"]; hour: bigint; day: bigint; amount: bigint; refused?: "hour" | "day" }> = [
    { name: "no limits", limits: {}, hour: 10n ** 30n, day: 10n ** 30n, amount: 10n ** 20n },
    { name: "exactly at the hour limit is allowed", limits: { maxSpendPerHour: 100n }, hour: 80n, day: 80n, amount: 20n },
    { name: "one wei over the hour limit", limits: { maxSpendPerHour: 100n }, hour: 81n, day: 81n, amount: 20n, refused: "hour" },
    { name: "the day limit binds when the hour does not", limits: { maxSpendPerHour: 1000n, maxSpendPerDay: 500n }, hour: 10n, day: 490n, amount: 20n, refused: "day" },
    { name: "nothing committed but one stream is bigger than the limit", limits: { maxSpendPerDay: 5n }, hour: 0n, day: 0n, amount: 6n, refused: "day" },
  ];
  for (const row of table) {
    test(row.name, () => {
      const err = decideSpend({ limits: row.limits, committedHour: row.hour, committedDay: row.day, amount: row.amount });
      if (!row.refused) return assert.equal(err, undefined);
      assert.equal(err?.code, "SPEND_LIMIT_REACHED");
      assert.equal(err?.status, 402);
      assert.equal(err?.details?.window, row.refused);
    });
  }
});

describe("remainingAllowance", () => {
  const table: Array<[string, Parameters<typeof remainingAllowance>[0], bigint, bigint, bigint | undefined]> = [
    ["no spending limit: unlimited", { maxDepositPerStream: 5n }, 10n, 10n, undefined],
    ["the hour's room", { maxSpendPerHour: 100n }, 30n, 999n, 70n],
    ["the smaller window's room", { maxSpendPerHour: 100n, maxSpendPerDay: 150n }, 20n, 90n, 60n],
    ["over the limit (a close paid more than thought): 0, never negative", { maxSpendPerDay: 100n }, 0n, 130n, 0n],
  ];
  for (const [name, limits, hour, day, want] of table) test(name, () => assert.equal(remainingAllowance(limits, hour, day), want));
});

describe("prices", () => {
  test("worst case rounds the seconds up (never under-counts)", () => {
    assert.equal(worstCaseCost(3n, 1.2), 6n);
  });
  test("withinPrice keeps the affordable ones and refuses when none is", () => {
    const ps = [{ id: 1n, pricePerSecond: 10n }, { id: 2n, pricePerSecond: 30n }];
    assert.deepEqual(withinPrice(ps, { maxPricePerSecond: 10n }, "m").map((p) => p.id), [1n]);
    assert.throws(() => withinPrice(ps, { maxPricePerSecond: 9n }, "m"), (e: unknown) => (e as { code: string }).code === "PRICE_ABOVE_MAX");
  });
});
