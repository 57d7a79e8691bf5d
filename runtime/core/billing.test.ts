import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decideBilling, type JobEnding } from "./billing.ts";

const terms = { pricePerSecond: 1_000n, reservedWei: 5_000n, reservedMs: 5_000 };

describe("decideBilling: every way a job can end (the README's table)", () => {
  const rows: Array<[string, JobEnding, bigint, bigint, string | null]> = [
    // [case, ending, billedMs, cost, finishReason]
    ["completed: all metered time", { kind: "completed", elapsedMs: 1234.9 }, 1234n, 1234n, "stop"],
    ["completed past the reservation (timer race): capped", { kind: "completed", elapsedMs: 5_003 }, 5_000n, 5_000n, "stop"],
    ["budget cut after output: up to the last output", { kind: "budget-cut", elapsedMs: 5_000, lastOutputMs: 4_200.5 }, 4_200n, 4_200n, "length"],
    ["budget cut before any output: nothing", { kind: "budget-cut", elapsedMs: 5_000, lastOutputMs: null }, 0n, 0n, null],
    ["consumer disconnected: all time until it left", { kind: "consumer-gone", elapsedMs: 800 }, 800n, 800n, null],
    ["backend failed before output: nothing", { kind: "backend-failed", code: "BACKEND_UPSTREAM", elapsedMs: 900, lastOutputMs: null }, 0n, 0n, null],
    ["backend failed after output: up to the last output", { kind: "backend-failed", code: "BACKEND_STREAM_ERROR", elapsedMs: 900, lastOutputMs: 400 }, 400n, 400n, "error"],
    ["backend stalled then timed out: the silence is not billed", { kind: "backend-failed", code: "BACKEND_TIMEOUT", elapsedMs: 4_900, lastOutputMs: 10 }, 10n, 10n, "error"],
    ["backend refused the request itself (4xx): time until the refusal", { kind: "backend-failed", code: "BACKEND_BAD_REQUEST", elapsedMs: 35, lastOutputMs: null }, 35n, 35n, null],
    ["runtime shut down after output: up to the last output", { kind: "shutdown", elapsedMs: 3_000, lastOutputMs: 2_500 }, 2_500n, 2_500n, "error"],
    ["runtime shut down before output: nothing", { kind: "shutdown", elapsedMs: 3_000, lastOutputMs: null }, 0n, 0n, null],
    ["never started: nothing", { kind: "not-started" }, 0n, 0n, null],
    ["crash with durable progress: up to it", { kind: "crash-recovered", durableDeliveredMs: 3_000 }, 3_000n, 3_000n, null],
    ["crash with progress past the reservation: capped", { kind: "crash-recovered", durableDeliveredMs: 9_000 }, 5_000n, 5_000n, null],
    ["crash before any durable progress: nothing", { kind: "crash-recovered", durableDeliveredMs: null }, 0n, 0n, null],
  ];
  for (const [name, ending, ms, cost, finish] of rows) {
    test(name, () => {
      const d = decideBilling(ending, terms);
      assert.deepEqual([d.billedMs, d.cost, d.finishReason], [ms, cost, finish], d.rule);
    });
  }

  test("cost rounds toward the payer and never exceeds the reserved wei", () => {
    assert.equal(decideBilling({ kind: "completed", elapsedMs: 1 }, { pricePerSecond: 999n, reservedWei: 10n, reservedMs: 10 }).cost, 0n);
    assert.equal(decideBilling({ kind: "completed", elapsedMs: 10 }, { pricePerSecond: 10n ** 18n, reservedWei: 7n, reservedMs: 10 }).cost, 7n);
  });
});
