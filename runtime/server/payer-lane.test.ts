import assert from "node:assert/strict";
import { test } from "node:test";
import { createPayerLane } from "./payer-lane.ts";

const session = "a2V5.1700000000.0xsig";
const served = new Set([7n]);
const lane = (nowMs = () => 0) => createPayerLane({ perMinute: 3, served: (id) => served.has(id), nowMs });

test("only a stream this runtime served opens the lane", () => {
  const l = lane();
  assert.equal(l.keyOf({}), undefined, "no proof: anonymous");
  assert.equal(l.keyOf({ "x-claw-stream": "8" }), undefined, "a stream never served");
  assert.equal(l.keyOf({ "x-claw-stream": "7x" }), undefined, "not a stream id");
  assert.equal(l.keyOf({ "x-claw-stream": "7" }), "7");
});

test("a stream's lane closes after perMinute refused requests, for that minute only", () => {
  let now = 0;
  const l = lane(() => now);
  for (let i = 0; i < 3; i++) l.refused(l.keyOf({ "x-claw-stream": "7" })!);
  assert.equal(l.keyOf({ "x-claw-stream": "7" }), undefined);
  now = 60_000;
  assert.equal(l.keyOf({ "x-claw-stream": "7" }), "7", "open again the next minute");
});

test("a session key verified on the stream keeps its lane whatever is refused", () => {
  const l = lane();
  const h = { "x-claw-stream": "7", "x-claw-session": session };
  assert.equal(l.keyOf(h), "7", "not yet verified: the stream's lane");
  l.verified(h);
  for (let i = 0; i < 10; i++) {
    l.refused(l.keyOf(h)!);
    l.refused("7");
  }
  assert.equal(l.keyOf({ "x-claw-stream": "7" }), undefined, "the stream's own lane is closed");
  assert.equal(l.keyOf(h), `7|${session}`, "the verified session key is still served");
  assert.equal(l.keyOf({ "x-claw-stream": "7", "x-claw-session": "other" }), undefined, "another session key is not");
});
