import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { laneState, minLaneSeconds, type Lane } from "./lanes.ts";

// A stream of 1,000 wei over 100 s from t = 1,000 s; requests of at most 10 s.
const lane = (o: Partial<Lane> = {}): Lane =>
  ({ stream: { startTime: 1_000n, durationSeconds: 100n, deposit: 1_000n }, metered: 0n, reserved: 0n, inflight: 0, ...o }) as unknown as Lane;

describe("laneState: may one more request of its worst case go on this stream now", () => {
  const table: Array<[string, Lane, bigint, bigint, ReturnType<typeof laneState>]> = [
    ["fresh: usable", lane(), 100n, 1_010n, "usable"],
    ["room for exactly one more worst case", lane({ metered: 500n, reserved: 400n }), 100n, 1_010n, "usable"],
    ["one wei short: full (room comes back when a request ends)", lane({ metered: 500n, reserved: 401n }), 100n, 1_010n, "full"],
    ["the last second a request and the 30 s settle margin still fit", lane(), 100n, 1_060n, "usable"],
    ["one second later: ending", lane(), 100n, 1_061n, "ending"],
    ["retired (drains, then closes)", lane({ retiring: true }), 1n, 1_010n, "closed"],
    ["closing", lane({ closing: Promise.resolve(undefined) }), 1n, 1_010n, "closed"],
  ];
  for (const [name, l, worstCase, now, want] of table) test(name, () => assert.equal(laneState(l, worstCase, now, 10), want));

  test("the least window worth opening: time cap + 30 s settle margin + 10 s opening slack", () => {
    assert.equal(minLaneSeconds(2), 42);
    assert.equal(minLaneSeconds(120), 160);
    assert.equal(minLaneSeconds(1.5), 42);
  });
});
