import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { budgetMs, meteredCost, remainingBudget, streamRate, sumWei } from "./money.ts";
import { prng } from "./testing/prng.ts";

describe("meteredCost", () => {
  test("charges exactly ms * price / 1000 when it divides", () => {
    assert.equal(meteredCost(1500n, 1000n), 1500n);
    assert.equal(meteredCost(0n, 10n ** 18n), 0n);
    assert.equal(meteredCost(3_600_000n, 10n ** 15n), 3600n * 10n ** 15n);
  });
  test("rounds toward the payer", () => {
    assert.equal(meteredCost(1n, 999n), 0n);
    assert.equal(meteredCost(1n, 1999n), 1n);
    assert.equal(meteredCost(333n, 3n), 0n);
  });
  test("refuses negative inputs", () => {
    assert.throws(() => meteredCost(-1n, 1n), RangeError);
    assert.throws(() => meteredCost(1n, -1n), RangeError);
  });
  test("property: never more than the exact price, less by under one wei, monotone and additive-bounded", () => {
    const rnd = prng(7);
    for (let i = 0; i < 2000; i++) {
      const ms = rnd.bigint(10n ** 9n);
      const more = rnd.bigint(10n ** 6n);
      const price = rnd.bigint(10n ** 20n);
      const cost = meteredCost(ms, price);
      assert.ok(cost * 1000n <= ms * price, "cost <= exact");
      assert.ok(ms * price - cost * 1000n < 1000n, "short by less than one wei");
      assert.ok(meteredCost(ms + more, price) >= cost, "monotone in time");
      // Splitting a job never charges more than metering it whole.
      assert.ok(meteredCost(ms, price) + meteredCost(more, price) <= meteredCost(ms + more, price));
    }
  });
});

describe("budgetMs", () => {
  test("converts wei to whole milliseconds", () => {
    assert.equal(budgetMs(1000n, 1000n), 1000n);
    assert.equal(budgetMs(1n, 3n), 333n);
    assert.equal(budgetMs(0n, 5n), 0n);
  });
  test("a free offering has no budget limit", () => {
    assert.equal(budgetMs(10n, 0n), null);
  });
  test("property: the budget's cost always fits the money, and one more millisecond would not", () => {
    const rnd = prng(11);
    for (let i = 0; i < 2000; i++) {
      const remaining = rnd.bigint(10n ** 21n);
      const price = rnd.bigint(10n ** 18n) + 1n;
      const ms = budgetMs(remaining, price);
      assert.ok(ms !== null);
      assert.ok(meteredCost(ms, price) <= remaining, "fits");
      assert.ok((ms + 1n) * price > remaining * 1000n, "one more millisecond would exceed the money at the exact rate");
      assert.ok(ms * price <= remaining * 1000n, "never promises time the money does not cover");
    }
  });
});

describe("helpers", () => {
  test("remainingBudget never goes below zero", () => {
    assert.equal(remainingBudget(100n, 30n, 20n), 50n);
    assert.equal(remainingBudget(100n, 90n, 20n), 0n);
    assert.equal(remainingBudget(100n, 30n), 70n);
  });
  test("streamRate floors and refuses a zero duration", () => {
    assert.equal(streamRate(1000n, 3n), 333n);
    assert.throws(() => streamRate(1n, 0n), RangeError);
  });
  test("sumWei adds bigints", () => {
    assert.equal(sumWei([1n, 2n, 3n]), 6n);
    assert.equal(sumWei([]), 0n);
  });
});
