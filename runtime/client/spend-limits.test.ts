import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decideSpend, spentSince, withinPrice, worstCaseCost } from "./spend-limits.ts";

describe("decideSpend", () => {
  const table: Array<{ name: string; limits: Parameters<typeof decideSpend>[0]["limits"]; hour: bigint; day: bigint; worst: bigint; refused?: "hour" | "day" }> = [
    { name: "no limits", limits: {}, hour: 10n ** 30n, day: 10n ** 30n, worst: 10n ** 20n },
    { name: "exactly at the hour limit is allowed", limits: { maxSpendPerHour: 100n }, hour: 80n, day: 80n, worst: 20n },
    { name: "one wei over the hour limit", limits: { maxSpendPerHour: 100n }, hour: 81n, day: 81n, worst: 20n, refused: "hour" },
    { name: "the day limit binds when the hour does not", limits: { maxSpendPerHour: 1000n, maxSpendPerDay: 500n }, hour: 10n, day: 490n, worst: 20n, refused: "day" },
    { name: "nothing spent but one request is bigger than the limit", limits: { maxSpendPerDay: 5n }, hour: 0n, day: 0n, worst: 6n, refused: "day" },
  ];
  for (const row of table) {
    test(row.name, () => {
      const err = decideSpend({ limits: row.limits, spentLastHour: row.hour, spentLastDay: row.day, worstCase: row.worst });
      if (!row.refused) return assert.equal(err, undefined);
      assert.equal(err?.code, "SPEND_LIMIT_REACHED");
      assert.equal(err?.status, 402);
      assert.equal(err?.details?.window, row.refused);
    });
  }
});

describe("spending windows and prices", () => {
  test("spentSince counts records at or after the cut only", () => {
    assert.equal(spentSince([{ at: 1, cost: 5n }, { at: 10, cost: 7n }, { at: 11, cost: 1n }], 10), 8n);
  });
  test("worst case rounds the seconds up (never under-counts)", () => {
    assert.equal(worstCaseCost(3n, 1.2), 6n);
  });
  test("withinPrice keeps the affordable ones and refuses when none is", () => {
    const ps = [{ id: 1n, pricePerSecond: 10n }, { id: 2n, pricePerSecond: 30n }];
    assert.deepEqual(withinPrice(ps, { maxPricePerSecond: 10n }, "m").map((p) => p.id), [1n]);
    assert.throws(() => withinPrice(ps, { maxPricePerSecond: 9n }, "m"), (e: unknown) => (e as { code: string }).code === "PRICE_ABOVE_MAX");
  });
});
