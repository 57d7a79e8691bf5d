import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeEventData, encodeEventData, toJsonSafe } from "./event-codec.ts";
import { eventTypes } from "./event-schema.ts";
import * as ev from "./events.ts";
import { isClawError } from "./errors.ts";
import { chainRef, otherChainEvents, otherRuntimeEvents, sampleEvents } from "./testing/sample-events.ts";

describe("event codec", () => {
  const all = [...sampleEvents(), ...otherChainEvents(), ...otherRuntimeEvents()];

  test("the samples cover every event type", () => {
    assert.deepEqual(new Set(all.map((e) => e.type)), new Set(eventTypes));
  });

  test("every event round-trips exactly, bigints included", () => {
    for (const e of all) {
      const json = encodeEventData(e.type, e.data);
      assert.deepEqual(decodeEventData(e.type, json), e.data, e.type);
    }
  });

  test("amounts are decimal strings in JSON, and encoding is canonical (schema order)", () => {
    const a = ev.streamWithdrawn({ streamId: 7n, amount: 10n ** 30n, chain: chainRef(1) });
    const reordered = { chain: a.data.chain, amount: a.data.amount, streamId: 7n };
    const json = encodeEventData("StreamWithdrawn", a.data);
    assert.equal(json, encodeEventData("StreamWithdrawn", reordered));
    assert.match(json, /^\{"streamId":"7","amount":"1000000000000000000000000000000","chain":\{"blockNumber":"101"/);
  });

  test("optional fields are omitted when undefined", () => {
    const json = encodeEventData("JobRejected", { code: "X", status: 401, reason: "r", streamId: undefined });
    assert.equal(json, '{"code":"X","status":401,"reason":"r"}');
    assert.equal(decodeEventData("JobRejected", json).streamId, undefined);
  });

  test("refuses a number where an amount must be a bigint, naming the field", () => {
    const bad = { streamId: 7n, amount: 5 as unknown as bigint, chain: chainRef(1) };
    assert.throws(() => encodeEventData("StreamWithdrawn", bad), (err) =>
      isClawError(err, "STORE_INVALID_EVENT") && /amount/.test(err.message));
  });

  test("refuses missing and unknown fields and a bad chain reference", () => {
    assert.throws(() => encodeEventData("StreamWithdrawn", { streamId: 7n, chain: chainRef(1) } as never), /missing/);
    assert.throws(() => encodeEventData("JobStarted", { jobId: "j", streamId: 1n, queuedMs: 1, extra: 1 } as never), /unknown field "extra"/);
    assert.throws(() => encodeEventData("StreamWithdrawn", { streamId: 7n, amount: 1n, chain: { txHash: "0x", logIndex: 0 } } as never), /blockNumber/);
    assert.throws(() => encodeEventData("JobStarted", { jobId: "j", streamId: 1n, queuedMs: 1.5 }), /safe integer/);
  });

  test("an unknown type is refused on both sides", () => {
    assert.throws(() => encodeEventData("StreamExploded" as never, {} as never), (e) => isClawError(e, "STORE_INVALID_EVENT"));
    assert.throws(() => decodeEventData("StreamExploded" as never, "{}"), (e) => isClawError(e, "STORE_UNKNOWN_EVENT"));
  });
});

describe("constructors", () => {
  test("fill keys and dedupe ids the store relies on", () => {
    const accepted = ev.jobAccepted({ jobId: "j1", streamId: 7n, offering: "m", providerId: 1n, nonce: 42n, bodyHash: "0x",
      signer: "0x", pricePerSecond: 1n, task: "chat" });
    assert.equal(accepted.key, "job:j1");
    assert.equal(accepted.dedupe, "nonce:7:42");
    assert.equal(accepted.v, 1);
    const opened = ev.streamWithdrawn({ streamId: 7n, amount: 1n, chain: { blockNumber: 1n, txHash: "0xABC", logIndex: 3 } });
    assert.equal(opened.key, "stream:7");
    assert.equal(opened.dedupe, "log:0xabc:3");
    const done = ev.jobCompleted({ jobId: "j1", streamId: 7n, meteredMs: 1n, cost: 1n, tokens: {} });
    const failed = ev.jobFailed({ jobId: "j1", streamId: 7n, code: "X", message: "m", meteredMs: 1n, cost: 1n });
    assert.equal(done.dedupe, failed.dedupe, "a job ends once");
    assert.equal(ev.jobRejected({ code: "X", status: 401, reason: "r" }).dedupe, undefined);
    assert.equal(ev.jobRejected({ code: "X", status: 401, reason: "r" }).key, "runtime");
    assert.equal(ev.jobStarted({ jobId: "j1", streamId: 7n, queuedMs: 0 }, { time: 5 }).time, 5);
  });
});

describe("toJsonSafe", () => {
  test("turns bigints, maps and sets into JSON", () => {
    const out = toJsonSafe({ a: 1n, m: new Map([["k", { b: 2n }]]), s: new Set([3n]), u: undefined, n: null });
    assert.deepEqual(out, { a: "1", m: { k: { b: "2" } }, s: ["3"], n: null });
  });
});
