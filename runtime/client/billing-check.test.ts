import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { judgeBilling } from "./billing-check.ts";
import type { JobBilling } from "./types.ts";

const bill = (cost: bigint, streamId = 7n): JobBilling => ({ jobId: "j1", streamId, meteredMs: 100, cost, pricePerSecond: 10n });
const request = { providerId: 2n, streamId: 7n, worstCase: 1200n };

describe("judgeBilling: a reported cost only lowers the request's worst case", () => {
  const table: Array<[string, JobBilling | undefined, bigint, string | undefined]> = [
    ["an honest cost is counted as billed", bill(150n), 150n, undefined],
    ["exactly the worst case is honest", bill(1200n), 1200n, undefined],
    ["zero is honest (an instant job)", bill(0n), 0n, undefined],
    ["no billing (cut answer): the worst case, not a fault", undefined, 1200n, undefined],
    ["a negative cost: refused, worst case, fault", bill(-5n), 1200n, "cost-negative"],
    ["above the worst case: refused, worst case, fault", bill(1201n), 1200n, "cost-above-worst-case"],
    ["billed to another stream: refused, worst case, fault", bill(10n, 8n), 1200n, "billing-malformed"],
  ];
  for (const [name, b, counted, fault] of table) {
    test(name, () => {
      const j = judgeBilling(b, request, 42);
      assert.equal(j.counted, counted);
      assert.equal(j.fault?.kind, fault);
      if (fault) assert.deepEqual([j.fault?.providerId, j.fault?.at], [2n, 42]);
    });
  }
});
