import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as ev from "../core/events.ts";
import { openStore } from "../store/index.ts";
import { faultBookFromLog, providerStatus } from "./faults.ts";
import { foldReceipt } from "./receipts.ts";

const receipt = (nonce: bigint, cost: bigint, cumulativeCost: bigint, measuredTtftMs: number) =>
  ev.receiptKept({
    providerId: 4n, streamId: 9n, nonce, requestHash: `0x${"ab".repeat(32)}`, jobId: `j${nonce}`, model: "echo-1", meteredMs: cost, cost,
    cumulativeCost, ttftMs: 3n, outputHash: `0x${"cd".repeat(32)}`, signature: `0x${"ef".repeat(65)}`, signer: "0x00000000000000000000000000000000000000aa", measuredTtftMs,
  });

test("the provider record is rebuilt from a real log: faults by kind, last fault, avoided, p50 time to first token; receipts sum per stream", () => {
  const dir = mkdtempSync(join(tmpdir(), "claw-gw-faults-"));
  try {
    const store = openStore({ path: join(dir, "gateway.db") });
    const now = Date.now();
    store.append(ev.providerFaulted({ providerId: 3n, kind: "oversized-answer", detail: "sent 1 GB" }, { time: now - 10_000 }));
    store.append(ev.providerFaulted({ providerId: 3n, kind: "bad-receipt", detail: "outputHash" }, { time: now - 5_000 }));
    store.append([receipt(1n, 10n, 10n, 30), receipt(2n, 20n, 30n, 10), receipt(3n, 5n, 35n, 20)]);
    const book = faultBookFromLog(store, 60_000);
    const st = providerStatus(new Map([["4", { requests: 3, spent: 35n }]]), book, now);
    assert.deepEqual(st["3"]!.faults, { "oversized-answer": 1, "bad-receipt": 1 });
    assert.equal(st["3"]!.faultCount, 2);
    assert.equal(st["3"]!.lastFault?.kind, "bad-receipt");
    assert.equal(st["3"]!.avoidedUntil, new Date(now - 5_000 + 60_000).toISOString());
    assert.equal(st["3"]!.requests, 0);
    assert.equal(st["4"]!.ttftP50Ms, 20);
    assert.equal(st["4"]!.answersWithReceipt, 3);
    assert.equal(st["4"]!.avoidedUntil, null);
    assert.equal(st["4"]!.requests, 3);
    // Past its avoid time the provider is no longer avoided, its record stays.
    assert.equal(providerStatus(new Map(), faultBookFromLog(store, 1_000), now)["3"]!.avoidedUntil, null);
    const sums = store.replay(foldReceipt, new Map());
    assert.deepEqual(sums.get(9n), { streamId: 9n, providerId: 4n, receipts: 3, signedCost: 35n, lastCumulativeCost: 35n });
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
