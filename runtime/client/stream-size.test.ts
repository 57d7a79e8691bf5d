import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../core/errors.ts";
import { coverableAt, MAX_STREAM_SECONDS, sizeStream, TX_ALLOWANCE_SECONDS } from "./stream-size.ts";
import { settleWaitMs } from "./close-stream.ts";

describe("sizeStream", () => {
  test("streams at exactly the price: deposit = price × duration, so deposit / duration == price to the wei", () => {
    const s = sizeStream({ pricePerSecond: 1_000_000_007n, expectedSeconds: 5, minJobMs: 1000, queueWaitMs: 2500 });
    // 5 s × 2 headroom + 1 s minimum job + 3 s queue + the transaction allowance
    assert.equal(s.durationSeconds, 10n + 1n + 3n + TX_ALLOWANCE_SECONDS);
    assert.equal(s.deposit, 1_000_000_007n * s.durationSeconds);
    assert.equal(s.deposit / s.durationSeconds, s.ratePerSecond);
    assert.equal(s.ratePerSecond, 1_000_000_007n);
  });

  test("a price above the caller's maximum is PRICE_ABOVE_MAX; equal is fine", () => {
    assert.throws(() => sizeStream({ pricePerSecond: 11n, maxPricePerSecond: 10n }), (e) => isClawError(e, "PRICE_ABOVE_MAX"));
    assert.equal(sizeStream({ pricePerSecond: 10n, maxPricePerSecond: 10n }).ratePerSecond, 10n);
  });

  test("maxDeposit shrinks the window to what it buys, and refuses when the expected job does not fit", () => {
    const s = sizeStream({ pricePerSecond: 10n, expectedSeconds: 5, minJobMs: 1000, maxDeposit: 205n });
    assert.equal(s.durationSeconds, 20n);
    assert.equal(s.deposit, 200n);
    assert.throws(() => sizeStream({ pricePerSecond: 10n, expectedSeconds: 5, minJobMs: 1000, maxDeposit: 55n }), (e) => isClawError(e, "PRICE_ABOVE_MAX"));
  });

  test("an explicit duration is honoured but never below one minimum job, never above StreamPay's maximum", () => {
    assert.equal(sizeStream({ pricePerSecond: 3n, durationSeconds: 1, minJobMs: 2000 }).durationSeconds, 3n);
    assert.equal(sizeStream({ pricePerSecond: 3n, durationSeconds: 1e9 }).durationSeconds, MAX_STREAM_SECONDS);
    assert.equal(sizeStream({ pricePerSecond: 3n, durationSeconds: 100 }).deposit, 300n);
  });

  test("a zero price is not an offer", () => {
    assert.throws(() => sizeStream({ pricePerSecond: 0n }), (e) => isClawError(e, "QUOTE_MISMATCH"));
  });

  test("parallel n streams at price × n to the wei, over the same window; maxDeposit counts the n", () => {
    const one = sizeStream({ pricePerSecond: 1_000_000_007n, expectedSeconds: 5, minJobMs: 1000 });
    const eight = sizeStream({ pricePerSecond: 1_000_000_007n, expectedSeconds: 5, minJobMs: 1000, parallel: 8 });
    assert.equal(eight.ratePerSecond, 8_000_000_056n);
    assert.equal(eight.durationSeconds, one.durationSeconds);
    assert.equal(eight.deposit / eight.durationSeconds, eight.ratePerSecond);
    assert.equal(eight.deposit % eight.durationSeconds, 0n);
    // 8 at 10 wei/s = 80 wei/s: 1,600 wei buys 20 s; 400 wei (5 s) cannot cover the 6 s needed.
    assert.equal(sizeStream({ pricePerSecond: 10n, expectedSeconds: 5, minJobMs: 1000, maxDeposit: 1_605n, parallel: 8 }).durationSeconds, 20n);
    assert.throws(() => sizeStream({ pricePerSecond: 10n, expectedSeconds: 5, minJobMs: 1000, maxDeposit: 400n, parallel: 8 }), (e) => isClawError(e, "PRICE_ABOVE_MAX"));
  });

  test("under a spending limit the whole deposit fits the allowance, or SPEND_LIMIT_REACHED below the least useful window", () => {
    const table: Array<[string, bigint, number, bigint | "refused"]> = [
      ["room for the whole window: unchanged (5×2 + 1 + 60 = 71 s)", 10_000n, 40, 71n],
      ["shrunk to what is left: 500 wei at 10 wei/s", 500n, 40, 50n],
      ["rounds down, never over the allowance", 509n, 40, 50n],
      ["exactly the least useful window", 400n, 40, 40n],
      ["one wei short of it", 399n, 40, "refused"],
    ];
    for (const [name, allowance, least, want] of table) {
      const size = () => sizeStream({ pricePerSecond: 10n, expectedSeconds: 5, minJobMs: 1000, allowance, minDurationSeconds: least });
      if (want === "refused") assert.throws(size, (e) => isClawError(e, "SPEND_LIMIT_REACHED") && e.status === 402, name);
      else {
        assert.equal(size().durationSeconds, want, name);
        assert.ok(size().deposit <= allowance, name);
      }
    }
  });

  test("parallel must be a whole number from 1 to 1024", () => {
    for (const parallel of [0, -1, 1.5, 1025, Number.NaN]) {
      assert.throws(() => sizeStream({ pricePerSecond: 10n, parallel }), (e) => isClawError(e, "BAD_REQUEST"), String(parallel));
    }
  });
});

describe("coverableAt: when the stream has streamed what was metered", () => {
  const s = { startTime: 1_000n, durationSeconds: 100n, deposit: 1_000n }; // 10 wei/s
  for (const [metered, at] of [
    [0n, 1_000n], [10n, 1_001n], [11n, 1_002n], [250n, 1_025n], [999n, 1_100n], [1_000n, 1_100n], [5_000n, 1_100n],
  ] as const) {
    test(`metered ${metered} is covered at ${at}`, () => {
      const t = coverableAt(s, metered);
      assert.equal(t, at);
      // StreamPay's floor(deposit × elapsed / duration) at t covers it, one second earlier does not.
      const streamed = (e: bigint) => (s.deposit * (e > s.durationSeconds ? s.durationSeconds : e)) / s.durationSeconds;
      if (metered <= s.deposit) assert.ok(streamed(t - s.startTime) >= metered);
      if (t > s.startTime && metered < s.deposit) assert.ok(streamed(t - s.startTime - 1n) < metered);
    });
  }
  test("an odd rate rounds up, never early", () => {
    const odd = { startTime: 0n, durationSeconds: 7n, deposit: 10n };
    assert.equal(coverableAt(odd, 3n), 3n); // floor(10×2/7) = 2 < 3, floor(10×3/7) = 4 ≥ 3
  });
});

describe("settleWaitMs: the SDK never gives up on a settlement before it is coverable", () => {
  const s = { startTime: 1_000n, durationSeconds: 100n, deposit: 1_000n, metered: 500n }; // covered at 1,050 s
  test("the timeout counts from the moment the metered total is streamed", () => {
    assert.equal(settleWaitMs(s, 30_000, 1_020_000), 30_000 + 30_000);
    assert.equal(settleWaitMs(s, 30_000, 1_060_000), 30_000);
  });
  test("without the stream's window, just the timeout", () => {
    assert.equal(settleWaitMs({ deposit: 1_000n, metered: 500n }, 30_000, 0), 30_000);
  });
});
