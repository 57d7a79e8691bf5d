import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ClawError } from "../../runtime/core/errors.ts";
import { retryCall, retryDelayMs, withRetries } from "./retry.ts";

const opts = { retries: 3, retryBaseMs: 100, maxRetryDelayMs: 1000 };
const signal = new AbortController().signal;

describe("retries", () => {
  test("delay: backoff with jitter for retryable codes, retry-after when given and short enough, none otherwise", () => {
    const upstream = new ClawError("BACKEND_UPSTREAM");
    assert.equal(retryDelayMs(upstream, 0, opts, () => 1), 100);
    assert.equal(retryDelayMs(upstream, 2, opts, () => 0), 200);
    assert.equal(retryDelayMs(upstream, 9, opts, () => 1), 1000, "capped");
    assert.equal(retryDelayMs(new ClawError("BACKEND_RATE_LIMITED", { details: { retryAfterSeconds: 0.5 } }), 0, opts), 500);
    assert.equal(retryDelayMs(new ClawError("BACKEND_RATE_LIMITED", { details: { retryAfterSeconds: 5 } }), 0, opts), undefined);
    for (const code of ["BACKEND_AUTH", "BACKEND_BAD_REQUEST", "BACKEND_MALFORMED", "BACKEND_TIMEOUT", "BACKEND_STREAM_ERROR"] as const) {
      assert.equal(retryDelayMs(new ClawError(code), 0, opts), undefined, code);
    }
    assert.equal(retryDelayMs(new Error("plain"), 0, opts), undefined);
  });

  test("retries failures before the first item, never after one", async () => {
    let calls = 0;
    const items: string[] = [];
    for await (const x of withRetries({ ...opts, retryBaseMs: 0 }, signal, async function* () {
      calls++;
      if (calls < 3) throw new ClawError("BACKEND_OVERLOADED");
      yield "ok";
    })) items.push(x);
    assert.deepEqual([calls, items], [3, ["ok"]]);

    calls = 0;
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const x of withRetries({ ...opts, retryBaseMs: 0 }, signal, async function* () {
        calls++;
        yield "first";
        throw new ClawError("BACKEND_UPSTREAM");
      })) seen.push(x);
    }, { code: "BACKEND_UPSTREAM" });
    assert.deepEqual([calls, seen], [1, ["first"]]);
  });

  test("gives up after `retries` extra attempts; an abort during the wait ends at once", async () => {
    let calls = 0;
    await assert.rejects(retryCall({ ...opts, retryBaseMs: 0, retries: 2 }, signal, async () => {
      calls++;
      throw new ClawError("BACKEND_UNREACHABLE");
    }), { code: "BACKEND_UNREACHABLE" });
    assert.equal(calls, 3);
    const ac = new AbortController();
    const pending = retryCall({ ...opts, retryBaseMs: 60_000, maxRetryDelayMs: 60_000 }, ac.signal, async () => {
      throw new ClawError("BACKEND_UPSTREAM");
    });
    setTimeout(() => ac.abort(), 10);
    await assert.rejects(pending, { code: "JOB_ABORTED" });
  });
});
