import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { jobAccepted, jobStarted } from "../core/events.ts";
import { createAsyncGroupCommitter } from "./async-group-commit.ts";
import { openSqliteAsyncStore } from "./async-sqlite.ts";
import type { AsyncEventStore } from "./async-types.ts";
import { openPostgresStore } from "./pg/pg-store.ts";
import { tempDir } from "./testing/drivers.ts";
import { freshDatabase, postgresSkip } from "./testing/postgres.ts";

const accepted = (jobId: string, nonce: bigint) =>
  jobAccepted({ jobId, streamId: 1n, offering: "m", providerId: 1n, nonce, bodyHash: "0x01", signer: "0xa", pricePerSecond: 1n, task: "chat" });

function groupCommitSuite(open: () => Promise<AsyncEventStore>): void {
  test("appends made while one write is in flight go out together, in order, each learning its own duplicate", async () => {
    const store = await open();
    let transactions = 0;
    const journal = createAsyncGroupCommitter({ append: (e) => (transactions++, store.append(e)) });
    const first = await Promise.all([
      journal.append(accepted("a", 1n)),
      journal.append(jobStarted({ jobId: "a", streamId: 1n, queuedMs: 0 })),
      journal.append(accepted("b", 1n)), // same (stream, nonce) inside the group
      journal.append(accepted("c", 2n)),
    ]);
    assert.equal(transactions, 1);
    assert.deepEqual(first.map((r) => r.duplicate), [false, false, true, false]);
    assert.deepEqual(first.map((r) => r.event?.position), [1, 2, undefined, 3]);
    // 300 appends from many awaiting callers: far fewer transactions than appends, positions gap-free.
    transactions = 0;
    const many = await Promise.all(Array.from({ length: 300 }, (_, i) => journal.append(jobStarted({ jobId: `j${i}`, streamId: 1n, queuedMs: 0 }))));
    assert.ok(transactions < 300, `${transactions} transactions for 300 appends`);
    assert.deepEqual(many.map((r) => r.event!.position), Array.from({ length: 300 }, (_, i) => i + 4));
    await journal.flush();
    assert.deepEqual((await store.verify()).checked, 303);
    await store.close();
  });

  test("a failed write rejects every append of its group; later appends still go through", async () => {
    const store = await open();
    let fail = true;
    const journal = createAsyncGroupCommitter({ append: async (e) => { if (fail) throw new Error("disk full"); return store.append(e); } });
    const results = await Promise.allSettled([journal.append(accepted("a", 1n)), journal.append(accepted("b", 2n))]);
    assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
    fail = false;
    assert.equal((await journal.append(accepted("a", 1n))).event?.position, 1);
    await store.close();
  });
}

describe("async group commit [sqlite]", () => {
  const dir = tempDir();
  let n = 0;
  groupCommitSuite(async () => openSqliteAsyncStore({ path: join(dir, `g${++n}.db`) }));
});

describe("async group commit [postgres]", { skip: postgresSkip() }, () => {
  groupCommitSuite(async () => openPostgresStore({ url: await freshDatabase(), poolSize: 2 }));
});
