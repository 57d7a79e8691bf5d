import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { committedSince, mergeStreams, spentOn, spentSince, streamedAt, type SpendStream } from "./chain-spend.ts";

const open = (o: Partial<SpendStream> = {}): SpendStream => ({ streamId: 1n, deposit: 1000n, startTime: 100n, durationSeconds: 100n, billed: 0n, ...o });

describe("streamedAt (what the provider can have taken)", () => {
  const table: Array<[string, SpendStream, number, bigint]> = [
    ["before the start: nothing", open(), 50_000, 0n],
    ["a quarter of the window", open(), 125_000, 250n],
    ["a part second counts as a whole one (the payer's side)", open(), 124_001, 250n],
    ["rounds the wei up", open({ deposit: 10n, durationSeconds: 3n }), 101_000, 4n],
    ["past the end: the whole deposit", open(), 999_000, 1000n],
  ];
  for (const [name, s, now, want] of table) test(name, () => assert.equal(streamedAt(s, now), want));
});

describe("spentOn and committed", () => {
  const table: Array<[string, SpendStream, bigint, bigint]> = [
    ["open, provider reported 1 wei: what has streamed", open({ billed: 1n }), 300n, 1000n],
    ["open, billed more than streamed so far: the billing", open({ billed: 400n }), 400n, 1000n],
    ["open, billing above the deposit: never more than the deposit", open({ billed: 5000n }), 1000n, 1000n],
    ["open, a negative billing from an old log: still what has streamed", open({ billed: -50n }), 300n, 1000n],
    ["closed: what it paid, whatever was billed", open({ billed: 1n, closed: { at: 0, paid: 700n } }), 700n, 700n],
  ];
  for (const [name, s, spent, committed] of table) {
    test(name, () => {
      assert.equal(spentOn(s, 130_000), spent);
      assert.equal(committedSince([s], 0), committed);
    });
  }

  test("windows: open streams always count, closed ones from their close", () => {
    const streams = [open({ streamId: 1n }), open({ streamId: 2n, closed: { at: 5_000, paid: 10n } }), open({ streamId: 3n, closed: { at: 1_000, paid: 7n } })];
    assert.equal(committedSince(streams, 2_000), 1010n);
    assert.equal(committedSince(streams, 0), 1017n);
    assert.equal(spentSince(streams, 2_000, 150_000), 510n);
  });

  test("merge: a close seen by either source wins, else the first source's record", () => {
    const merged = mergeStreams([open({ streamId: 1n, billed: 5n }), open({ streamId: 2n })], [open({ streamId: 1n, billed: 1n }), open({ streamId: 2n, closed: { at: 1, paid: 3n } }), open({ streamId: 3n })]);
    assert.deepEqual(merged.map((s) => [s.streamId, s.billed, s.closed?.paid]), [[1n, 5n, undefined], [2n, 0n, 3n], [3n, 0n, undefined]]);
  });
});
