import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decideAdmission, parallelSlots, type AdmissionInput } from "./admission.ts";

const start = 1_700_000_000n;
const base: AdmissionInput = {
  nowMs: Number(start) * 1000 + 10_000, // 10 s into the stream
  stream: { deposit: 600_000n, startTime: start, duration: 600n }, // rate 1,000 wei/s
  pricePerSecond: 1_000n,
  budget: { metered: 0n, reserved: 0n, activeJobs: 0, closed: false },
  minJobMs: 100, maxJobMs: 120_000, endMarginMs: 5_000,
};
const at = (o: Omit<Partial<AdmissionInput>, "budget"> & { budget?: Partial<AdmissionInput["budget"]> }): AdmissionInput => ({ ...base, ...o, budget: { ...base.budget, ...(o.budget ?? {}) } });
const endMs = Number(start + 600n) * 1000;

describe("decideAdmission: one row per case", () => {
  const rows: Array<[string, AdmissionInput, Record<string, unknown>]> = [
    ["rate = price: one slot free -> reserve the max job", base, { kind: "reserve", wei: 120_000n, ms: 120_000, slots: 1 }],
    ["rate = price: the one slot is taken -> wait", at({ budget: { activeJobs: 1, reserved: 120_000n } }), { kind: "wait", slots: 1, latestStartMs: endMs - 5_000 - 100 }],
    ["rate = 8 x price: 8 slots, 7 taken -> reserve", at({ stream: { ...base.stream, deposit: 4_800_000n }, budget: { activeJobs: 7 } }), { kind: "reserve", slots: 8 }],
    ["rate = 8 x price: 8 taken -> wait", at({ stream: { ...base.stream, deposit: 4_800_000n }, budget: { activeJobs: 8 } }), { kind: "wait", slots: 8 }],
    ["rate just below 2 x price: still one slot", at({ stream: { ...base.stream, deposit: 1_199_999n }, budget: { activeJobs: 1 } }), { kind: "wait", slots: 1 }],
    ["rate below price -> refuse", at({ stream: { ...base.stream, deposit: 599_999n } }), { kind: "refuse", code: "STREAM_RATE_TOO_LOW" }],
    ["closed stream -> refuse", at({ budget: { closed: true } }), { kind: "refuse", code: "STREAM_ENDED" }],
    ["near the end: reservation stops at end - margin", at({ nowMs: endMs - 5_000 - 2_000 }), { kind: "reserve", wei: 2_000n, ms: 2_000 }],
    ["inside the margin -> refuse STREAM_ENDING", at({ nowMs: endMs - 5_050 }), { kind: "refuse", code: "STREAM_ENDING" }],
    ["after the end -> refuse STREAM_ENDING", at({ nowMs: endMs + 1 }), { kind: "refuse", code: "STREAM_ENDING" }],
    ["money left below a minimum job -> refuse", at({ budget: { metered: 599_950n } }), { kind: "refuse", code: "BUDGET_EXHAUSTED" }],
    ["money left below the max job -> reserve what is left", at({ budget: { metered: 590_000n } }), { kind: "reserve", wei: 10_000n, ms: 10_000 }],
    ["full slots are checked before money: a running job may release", at({ budget: { activeJobs: 1, reserved: 600_000n } }), { kind: "wait" }],
    ["price not dividing: 1 wei buys floor(1000 / 3) ms, never more time than money", at({ pricePerSecond: 3n, stream: { ...base.stream, deposit: 1_800n }, budget: { metered: 1_799n } }), { kind: "reserve", wei: 1n, ms: 333 }],
    ["nothing left at all -> refuse", at({ pricePerSecond: 3n, stream: { ...base.stream, deposit: 1_800n }, budget: { metered: 1_800n } }), { kind: "refuse", code: "BUDGET_EXHAUSTED" }],
    ["unknown timing (ledger tests only): money rule alone", at({ stream: { deposit: 1_000n }, budget: { activeJobs: 50 } }), { kind: "reserve", wei: 1_000n, ms: 1_000 }],
  ];
  for (const [name, input, expected] of rows) {
    test(name, () => {
      const d = decideAdmission(input) as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(d[k], v, `${k}: ${JSON.stringify(d, (_, x) => (typeof x === "bigint" ? `${x}n` : x))}`);
    });
  }

  test("parallelSlots = floor(deposit / (price x duration))", () => {
    assert.equal(parallelSlots({ deposit: 600n, duration: 600n }, 1n), 1);
    assert.equal(parallelSlots({ deposit: 4_799n, duration: 600n }, 1n), 7);
    assert.equal(parallelSlots({ deposit: 599n, duration: 600n }, 1n), 0);
  });

  test("property: with slots honoured, running jobs accrue no faster than the stream streams", () => {
    // k running jobs each accrue price wei/s; k <= slots => k x price <= deposit / duration.
    for (let deposit = 1n; deposit < 5_000n; deposit += 37n) {
      for (const price of [1n, 2n, 3n, 7n]) {
        const slots = BigInt(parallelSlots({ deposit, duration: 100n }, price));
        assert.ok(slots * price * 100n <= deposit, `${slots} x ${price} x 100 <= ${deposit}`);
      }
    }
  });
});
