import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openSqliteAsyncStore } from "../store/async-sqlite.ts";
import { createSlotKeeper } from "./slot-keeper.ts";

const dir = mkdtempSync(join(tmpdir(), "claw-slots-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a held slot outlives its lease while renewed, frees on release, and is not renewed past its job's limit", async () => {
  const store = openSqliteAsyncStore({ path: join(dir, "slots.db") });
  const keeper = createSlotKeeper(store, { ttlMs: 2_000 });
  const take = async () => {
    const r = await store.acquireSlot({ streamId: 7n, capacity: 2, holder: "i1/job", ttlMs: 2_000 });
    assert.ok(r.ok);
    return r.slot;
  };
  const renewed = keeper.hold((await take()).slotId, Date.now() + 60_000);
  // A job whose limit already passed (its release was lost): no renewal, and its margin is 15 s, so
  // with the limit 20 s ago the keeper lets it lapse at its lease.
  keeper.hold((await take()).slotId, Date.now() - 20_000);
  await sleep(2_600);
  assert.equal(await store.slotsInUse(7n), 1, "the renewed slot is held past its 2 s lease; the other expired");
  await renewed.release();
  assert.equal(await store.slotsInUse(7n), 0);
  await keeper.stop();
  await store.close();
});
