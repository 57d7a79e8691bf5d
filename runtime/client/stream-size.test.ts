import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../core/errors.ts";
import { MAX_STREAM_SECONDS, sizeStream, TX_ALLOWANCE_SECONDS } from "./stream-size.ts";

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
});
