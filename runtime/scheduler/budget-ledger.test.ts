import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isClawError } from "../core/errors.ts";
import { createBudgetLedger } from "./budget-ledger.ts";

const terms = { pricePerSecond: 100n, minJobMs: 1000, maxJobMs: 60_000 };

describe("budget ledger", () => {
  test("a reservation is the smaller of the max job and what is left; its cost is floor(ms*price/1000)", () => {
    const l = createBudgetLedger();
    l.track(1n, { deposit: 2_550n, metered: 0n });
    const r = l.reserve(1n, "a", terms);
    assert.equal(r.wei, 2_550n);
    assert.equal(r.ms, 25_500);
    assert.equal(l.available(1n), 0n);
    assert.equal(l.commit(r, 1_234), 123n); // 123.4 wei rounds down, toward the payer
    assert.equal(l.get(1n)?.metered, 123n);
    assert.equal(l.available(1n), 2_427n);
  });

  test("a job that cannot fit the minimum is refused up front", () => {
    const l = createBudgetLedger();
    l.track(1n, { deposit: 1_500n, metered: 1_450n });
    assert.throws(() => l.reserve(1n, "a", terms), (e) => isClawError(e, "BUDGET_EXHAUSTED") && e.status === 402);
  });

  test("concurrent jobs share the budget; billing never exceeds the reservation", () => {
    const l = createBudgetLedger();
    l.track(1n, { deposit: 3_000n, metered: 0n });
    const a = l.reserve(1n, "a", { ...terms, maxJobMs: 20_000 });
    assert.equal(a.wei, 2_000n);
    const b = l.reserve(1n, "b", { ...terms, maxJobMs: 20_000 });
    assert.equal(b.wei, 1_000n);
    assert.throws(() => l.reserve(1n, "c", terms), (e) => isClawError(e, "BUDGET_EXHAUSTED"));
    assert.equal(l.commit(b, 999_999), 1_000n);
    assert.equal(l.commit(a, 500), 50n);
    assert.equal(l.get(1n)?.metered, 1_050n);
    assert.equal(l.get(1n)?.reserved, 0n);
  });

  test("a closed stream refuses new jobs", () => {
    const l = createBudgetLedger();
    l.track(1n, { deposit: 100_000n, metered: 0n });
    l.close(1n);
    assert.throws(() => l.reserve(1n, "a", terms), (e) => isClawError(e, "STREAM_ENDED"));
  });

  test("fuzz: metered + reserved never exceeds the deposit", () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 200; round++) {
      const l = createBudgetLedger();
      const deposit = BigInt(rand(1_000_000) + 1);
      l.track(1n, { deposit, metered: 0n });
      const open: ReturnType<typeof l.reserve>[] = [];
      for (let i = 0; i < 50; i++) {
        try {
          if (rand(2) === 0) open.push(l.reserve(1n, `j${i}`, { pricePerSecond: BigInt(rand(500) + 1), minJobMs: rand(2000) + 1, maxJobMs: rand(90_000) + 1 }));
        } catch (e) {
          assert.ok(isClawError(e, "BUDGET_EXHAUSTED"));
        }
        if (open.length && rand(3) === 0) l.commit(open.shift()!, rand(120_000));
        const s = l.get(1n)!;
        assert.ok(s.metered + s.reserved <= deposit, `round ${round}: ${s.metered}+${s.reserved} > ${deposit}`);
      }
    }
  });

  test("another instance's jobs (shared log) hold the stream's slots here too; their end frees one and adds their cost", async () => {
    // 1 slot: deposit / (price × duration) = 360_000 / (100 × 3600) = 1.
    const now = Date.now();
    const l = createBudgetLedger();
    const stream = { deposit: 360_000n, metered: 0n, startTime: BigInt(Math.floor(now / 1000)), duration: 3600n };
    l.track(1n, { ...stream, activeJobs: 1 });
    assert.throws(() => l.reserve(1n, "a", terms), (e) => isClawError(e, "STREAM_BUSY"), "the other instance's job holds the only slot");
    const waiting = l.reserveWhenFree(1n, "a", terms, { untilMs: now + 30_000 });
    l.foreignEnded(1n, 250n, now);
    const r = await waiting;
    assert.equal(l.get(1n)?.metered, 250n, "its cost is in the stream's metered total");
    assert.equal(l.get(1n)?.activeJobs, 1, "now this instance's job holds it");
    l.foreignStarted(1n, now);
    assert.equal(l.get(1n)?.activeJobs, 2, "a foreign start seen late still counts (the database slot decided)");
    l.end(r, 0n);
    l.foreignEnded(1n, 0n, now);
    l.foreignEnded(1n, 0n, now);
    assert.equal(l.get(1n)?.activeJobs, 0, "never below zero");
    l.foreignStarted(9n, now);
    assert.equal(l.has(9n), false, "an untracked stream is left to track() with the views");
  });
});
