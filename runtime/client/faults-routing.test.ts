import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { providerFault } from "./faults.ts";
import { createFaultBook, p50 } from "./faults-routing.ts";

describe("fault book", () => {
  const providers = [{ id: 1n }, { id: 2n }, { id: 3n }];

  test("a faulted provider is tried last while avoided, and in order again once the time is over", () => {
    let now = 1_000_000;
    const book = createFaultBook({ avoidMs: 60_000, now: () => now });
    book.record(providerFault(1n, "oversized-answer", "sent 1 GB", now));
    assert.deepEqual(book.route(providers).map((p) => p.id), [2n, 3n, 1n]);
    assert.equal(book.avoided(1n), true);
    now += 60_001;
    assert.equal(book.avoided(1n), false);
    assert.deepEqual(book.route(providers).map((p) => p.id), [1n, 2n, 3n]);
  });

  test("when every provider is avoided they are all still tried, the least recently faulted first", () => {
    const now = 5_000_000;
    const book = createFaultBook({ avoidMs: 60_000, now: () => now });
    book.record(providerFault(2n, "bad-receipt", "x", now - 1000));
    book.record(providerFault(1n, "bad-receipt", "x", now - 500));
    book.record(providerFault(3n, "bad-receipt", "x", now - 2000));
    assert.deepEqual(book.route(providers).map((p) => p.id), [3n, 2n, 1n]);
  });

  test("a later fault extends the avoidance; the record counts faults by kind and keeps the last", () => {
    let now = 0;
    const book = createFaultBook({ avoidMs: 10_000, now: () => now });
    book.record(providerFault(1n, "malformed-answer", "a", 0));
    now = 8000;
    book.record(providerFault(1n, "oversized-answer", "b", 8000));
    now = 15_000;
    assert.equal(book.avoided(1n), true, "avoided until 18 000");
    const r = book.get(1n)!;
    assert.deepEqual(r.faults, { "malformed-answer": 1, "oversized-answer": 1 });
    assert.equal(r.lastFault?.detail, "b");
  });

  test("answers and time to first token; p50 is the lower middle", () => {
    const book = createFaultBook();
    for (const t of [30, 10, 20, 40]) book.answered(2n, t);
    book.answered(2n);
    assert.equal(book.get(2n)?.answers, 5);
    assert.equal(p50(book.get(2n)!.ttft), 20);
    assert.equal(p50([]), undefined);
    for (let i = 0; i < 500; i++) book.answered(3n, i);
    assert.equal(book.get(3n)!.ttft.length, 200, "samples are bounded");
  });
});
