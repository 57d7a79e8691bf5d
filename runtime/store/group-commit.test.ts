import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { jobAccepted, jobStarted } from "../core/events.ts";
import { createGroupCommitter } from "./group-commit.ts";
import { openStore } from "./index.ts";

const accepted = (jobId: string, nonce: bigint) =>
  jobAccepted({ jobId, streamId: 1n, offering: "m", providerId: 1n, nonce, bodyHash: "0x" + "00".repeat(32), signer: "0x" + "11".repeat(20), pricePerSecond: 1n, task: "chat" });

test("concurrent appends share one transaction, keep their order and learn their own duplicates", async () => {
  const store = openStore({ path: join(mkdtempSync(join(tmpdir(), "claw-gc-")), "e.db") });
  let transactions = 0;
  const counted = { append: (e: Parameters<typeof store.append>[0]) => (transactions++, store.append(e)) };
  const journal = createGroupCommitter(counted);
  const results = await Promise.all([
    journal.append(accepted("a", 1n)),
    journal.append(jobStarted({ jobId: "a", streamId: 1n, queuedMs: 0 })),
    journal.append(accepted("b", 1n)), // same (stream, nonce): a replay inside the same group
    journal.append(accepted("c", 2n)),
  ]);
  assert.equal(transactions, 1);
  assert.deepEqual(results.map((r) => r.duplicate), [false, false, true, false]);
  assert.deepEqual(results.map((r) => r.event?.position), [1, 2, undefined, 3]);
  const again = await journal.append(accepted("d", 2n));
  assert.equal(again.duplicate, true, "a replay in a later group");
  assert.equal(transactions, 2);
  assert.equal(store.verify().ok, true);
  store.close();
});

test("a failed commit rejects every append of its group, and nothing of it is stored", async () => {
  const store = openStore({ path: join(mkdtempSync(join(tmpdir(), "claw-gc-")), "e.db") });
  const journal = createGroupCommitter({ append: () => { throw new Error("disk full"); } });
  const results = await Promise.allSettled([journal.append(accepted("a", 1n)), journal.append(accepted("b", 2n))]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  assert.equal(store.lastPosition(), 0);
  store.close();
});
