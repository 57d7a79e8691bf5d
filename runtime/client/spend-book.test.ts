import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../core/errors.ts";
import type { SpendStream } from "./chain-spend.ts";
import { createSpendBook } from "./spend-book.ts";
import { DAY_MS, HOUR_MS } from "./spend-limits.ts";

const T0 = 1_700_000_000_000;
const stream = (streamId: bigint, deposit: bigint) => ({ streamId, deposit, startTime: BigInt(T0 / 1000), durationSeconds: 100n });

describe("spend book: deposits reserved before the check, atomically", () => {
  test("concurrent reservations never exceed the limit together", () => {
    const book = createSpendBook({ maxSpendPerDay: 1000n });
    const granted: bigint[] = [];
    let refused = 0;
    // Eight requests at once, each wanting a 300 wei stream (at least 200): only what fits is granted.
    for (let i = 0; i < 8; i++) {
      try {
        granted.push(book.reserve(300n, 200n, T0).amount);
      } catch (err) {
        assert.ok(isClawError(err, "SPEND_LIMIT_REACHED"));
        refused++;
      }
    }
    assert.deepEqual(granted, [300n, 300n, 300n]);
    assert.equal(refused, 5);
    assert.ok(granted.reduce((a, b) => a + b, 0n) <= 1000n);
  });

  test("what is left is granted when it is at least the least useful stream; a release gives it back", () => {
    const book = createSpendBook({ maxSpendPerHour: 500n });
    const a = book.reserve(300n, 100n, T0);
    const b = book.reserve(300n, 100n, T0);
    assert.equal(b.amount, 200n, "shrunk to what the limit leaves");
    assert.throws(() => book.reserve(300n, 1n, T0), (e) => isClawError(e, "SPEND_LIMIT_REACHED"));
    book.release(b);
    assert.equal(book.reserve(300n, 100n, T0).amount, 200n);
    book.release(a);
  });

  test("an open stream counts its whole deposit until it closes, then what it paid; windows slide from the close", () => {
    const book = createSpendBook({ maxSpendPerHour: 1000n, maxSpendPerDay: 1500n });
    const r = book.reserve(800n, 100n, T0);
    book.opened(r, stream(1n, 800n));
    book.billed(1n, 1n); // the provider says 1 wei
    let s = book.summary(T0 + 50_000);
    assert.deepEqual(s.committed, { hour: 800n, day: 800n });
    assert.equal(s.spent.hour, 400n, "half the window streamed: what the chain can take, not the 1 wei reported");
    assert.equal(s.remaining, 200n);
    book.closed(1n, 800n, T0 + 60_000); // it settled everything streamed
    s = book.summary(T0 + 60_001 + HOUR_MS);
    assert.deepEqual([s.committed.hour, s.committed.day, s.remaining], [0n, 800n, 700n], "out of the hour, still in the day");
    assert.equal(book.summary(T0 + 61_000 + DAY_MS).spent.total, 800n, "the total keeps what dropped out of the day");
  });

  test("streams of earlier runs (a ledger) count too, a close seen by either wins", () => {
    const logged: SpendStream[] = [{ ...stream(9n, 600n), billed: 0n }];
    const book = createSpendBook({ maxSpendPerDay: 1000n }, { streams: () => logged });
    assert.throws(() => book.reserve(500n, 500n, T0), (e) => isClawError(e, "SPEND_LIMIT_REACHED") && /600 wei is committed/.test(e.message));
    logged[0] = { ...logged[0]!, closed: { at: T0, paid: 100n } };
    assert.equal(book.reserve(500n, 500n, T0).amount, 500n);
  });

  test("without spending limits everything wanted is granted", () => {
    const book = createSpendBook({ maxPricePerSecond: 5n });
    assert.equal(book.limited, false);
    assert.equal(book.reserve(10n ** 24n, 1n, T0).amount, 10n ** 24n);
  });
});
