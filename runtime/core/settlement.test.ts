import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decideSettlement, settleableAtSeconds, type SettlementInput } from "./settlement.ts";

const base: SettlementInput = {
  nowMs: 100_000,
  budget: { deposit: 600_000n, metered: 5_000n, activeJobs: 0, closed: false, lastActivityMs: 95_000, endMs: 700_000 },
  idleMs: 30_000, endMarginMs: 5_000, minJobCost: 100n, settledOrInflight: false, notBeforeMs: 0,
};
const at = (o: Omit<Partial<SettlementInput>, "budget"> & { budget?: Partial<SettlementInput["budget"]> }): SettlementInput => ({ ...base, ...o, budget: { ...base.budget, ...(o.budget ?? {}) } });

describe("decideSettlement: one row per case", () => {
  const rows: Array<[string, SettlementInput, string]> = [
    ["active recently, far from the end: wait", base, "none"],
    ["idle for idleMs: settle (idle)", at({ nowMs: 125_000 }), "idle"],
    ["spent (less than a minimum job left): settle", at({ budget: { metered: 599_950n } }), "spent"],
    ["closed by the watcher or the settle route: settle", at({ budget: { closed: true } }), "closed"],
    ["near the end (now >= end - margin): settle before it expires", at({ nowMs: 695_000 }), "near-end"],
    ["near the end but a job holds a slot: wait for its cost", at({ nowMs: 695_000, budget: { activeJobs: 1 } }), "none"],
    ["idle but already settled or in flight: never twice", at({ nowMs: 125_000, settledOrInflight: true }), "none"],
    ["idle but backing off after a failure", at({ nowMs: 125_000, notBeforeMs: 126_000 }), "none"],
    ["unknown end (timing not read yet): idle rule only", at({ nowMs: 695_000, budget: { endMs: undefined, lastActivityMs: 690_000 } as never }), "none"],
  ];
  for (const [name, input, expected] of rows) {
    test(name, () => {
      const d = decideSettlement(input);
      assert.equal(d.kind === "settle" ? d.reason : d.kind, expected);
      if (d.kind === "settle") assert.equal(d.amount, input.budget.metered, "always the metered total");
    });
  }

  test("settleableAtSeconds: the first timestamp with floor(deposit x elapsed / duration) >= amount", () => {
    const s = { deposit: 1_000n, startTime: 1_000n, duration: 3n };
    for (const amount of [0n, 1n, 333n, 334n, 666n, 667n, 1_000n]) {
      const t = settleableAtSeconds(amount, s)!;
      const streamed = (e: bigint) => (e >= s.duration ? s.deposit : (s.deposit * e) / s.duration);
      assert.ok(streamed(t - s.startTime) >= amount, `at ${t}`);
      if (t > s.startTime) assert.ok(streamed(t - 1n - s.startTime) < amount, `not at ${t - 1n}`);
    }
    assert.equal(settleableAtSeconds(1_001n, s), null);
  });
});
