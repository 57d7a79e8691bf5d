/**
 * Background WAL checkpoints (./checkpointer.ts) on real SQLite files: the worker copies the WAL back
 * while the main connection only appends; a killed worker puts SQLite's own checkpoint back; close()
 * during a checkpoint loses nothing; node:sqlite, read-only and in-memory logs stay inline.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as ev from "../core/events.ts";
import { walIndexFrames } from "./checkpoint-worker.mjs";
import { BACKSTOP_AUTOCHECKPOINT, checkpointerOf, INLINE_AUTOCHECKPOINT, type Checkpointer } from "./checkpointer.ts";
import { openStore } from "./open.ts";
import { forEachDriver, tempDir } from "./testing/drivers.ts";
import type { SqliteEventStore } from "./types.ts";

const dir = tempDir("claw-ckpt-");
let files = 0;
const fresh = () => join(dir, `c${++files}.db`);

/** `n` JobAccepted events with nonces from `from` (each its own dedupe id). */
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ev.jobAccepted({
  jobId: `job-${from + i}`, streamId: 7n, offering: "echo-1", providerId: 1n, nonce: BigInt(from + i), bodyHash: "0x01",
  signer: "0xa", pricePerSecond: 10n, task: "chat",
}));
const autocheckpoint = (s: SqliteEventStore) => Number(s.transaction((tx) => tx.get("PRAGMA wal_autocheckpoint"))?.wal_autocheckpoint);
const pick = (v: { ok: boolean; checked: number }) => ({ ok: v.ok, checked: v.checked });
const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`not within 10 s: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function background(path: string, o: { pages?: number; intervalMs?: number; onError?: (err: unknown) => void } = {}) {
  const store = openStore({
    path, driver: "better-sqlite3", checkpoint: "background", checkpointPages: o.pages ?? 1, checkpointIntervalMs: o.intervalMs ?? 5,
    onCheckpointError: o.onError,
  });
  const ck = checkpointerOf(store);
  assert.ok(ck, "a background checkpointer runs");
  return { store, ck: ck as Checkpointer };
}

/** Counts the events with another process (plain Node and better-sqlite3, as any reader would). */
function countElsewhere(path: string): { n: number; last: number } {
  const code = `const D = require("better-sqlite3"); const db = new D(process.argv[1], { readonly: true });
    const r = db.prepare("SELECT count(*) AS n, max(position) AS last FROM events").get(); console.log(JSON.stringify(r));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", code, path], { cwd: process.cwd(), timeout: 20_000, encoding: "utf8" }));
}

forEachDriver("background WAL checkpoints", (driver) => {
  test("the wal-index header read by the worker says what SQLite's own checkpoint reports", () => {
    const path = fresh();
    const store = openStore({ path, driver });
    const shm = () => walIndexFrames(readFileSync(`${path}-shm`).subarray(0, 136));
    store.append(batch(0, 500));
    const before = shm();
    assert.ok(before && before.frames > 10, `frames in the WAL: ${JSON.stringify(before)}`);
    const done = store.checkpoint();
    assert.deepEqual(before, { frames: done.walPages, backfilled: 0 });
    assert.deepEqual(shm(), { frames: done.walPages, backfilled: done.checkpointedPages });
    store.append(batch(500, 1));
    const restarted = shm();
    assert.ok(restarted && restarted.frames < done.walPages && restarted.backfilled === 0, "the next commit restarted the WAL");
    assert.equal(walIndexFrames(Buffer.alloc(136)), undefined, "an uninitialized header is not read as numbers");
    store.close();
  });

  test("node:sqlite, read-only and in-memory logs keep SQLite's own checkpoint, without error", () => {
    const errors: unknown[] = [];
    const o = { driver, checkpoint: "background" as const, onCheckpointError: (err: unknown) => errors.push(err) };
    const path = fresh();
    const store = openStore({ path, ...o });
    assert.equal(checkpointerOf(store) !== undefined, driver === "better-sqlite3", "a worker only on better-sqlite3");
    if (driver === "node:sqlite") assert.equal(autocheckpoint(store), INLINE_AUTOCHECKPOINT);
    store.append(batch(0, 300));
    assert.deepEqual(pick(store.verify()), { ok: true, checked: 300 });
    const reader = openStore({ path, readonly: true, ...o });
    const memory = openStore({ path: ":memory:", ...o });
    assert.equal(checkpointerOf(reader), undefined);
    assert.equal(checkpointerOf(memory), undefined);
    assert.equal(reader.lastPosition(), 300);
    for (const s of [store, reader, memory]) s.close();
    assert.deepEqual(errors, []);
  });

  // The worker exists on better-sqlite3 only (the node:sqlite run is Node 24, where this better-sqlite3 does not load).
  if (driver !== "better-sqlite3") return;

  test("background: the worker checkpoints, the main connection does not, the WAL is reused; every reader sees every event", { timeout: 60_000 }, async () => {
    const { store, ck } = background(fresh());
    const inline = openStore({ path: fresh(), driver: "better-sqlite3" });
    try {
      await ck.ready();
      assert.equal(autocheckpoint(store), BACKSTOP_AUTOCHECKPOINT);
      assert.equal(autocheckpoint(inline), INLINE_AUTOCHECKPOINT);
      let n = 0;
      for (let round = 0; round < 8; round++) {
        for (let b = 0; b < 10; b++, n += 100) {
          store.append(batch(n, 100));
          inline.append(batch(n, 100));
        }
        // Wait for a look that found the whole WAL copied back (the store itself is idle meanwhile).
        const looks = ck.stats().looks;
        await until("the worker caught up", () => ck.stats().looks >= looks + 2 && ck.stats().pending === 0);
      }
      const stats = ck.stats();
      assert.equal(stats.mode, "background");
      assert.ok(stats.checkpoints >= 8 && stats.frames > 0, JSON.stringify(stats));
      assert.equal(autocheckpoint(store), BACKSTOP_AUTOCHECKPOINT, "the main connection never fell back");
      // The same appends: the inline log's WAL holds all of them (under SQLite's 10,000 pages), the
      // background log's WAL was restarted after each round and its database file holds the events.
      const [bgWal, inWal] = [size(`${store.path}-wal`), size(`${inline.path}-wal`)];
      assert.ok(bgWal * 3 < inWal, `background WAL ${bgWal} B vs inline ${inWal} B`);
      assert.ok(size(store.path) > size(inline.path) * 3, `background db ${size(store.path)} B vs inline ${size(inline.path)} B`);
      assert.deepEqual(pick(store.verify()), { ok: true, checked: n });
      assert.equal(store.read({ from: n - 1 }).length, 2);
      assert.deepEqual(countElsewhere(store.path), { n, last: n });
    } finally {
      store.close();
      inline.close();
    }
    assert.equal(ck.stats().mode, "inline");
    assert.equal(existsSync(`${store.path}-wal`), false, "close(): the main connection closed last and checkpointed");
    const again = openStore({ path: store.path, readonly: true });
    assert.deepEqual({ ok: again.verify().ok, n: again.lastPosition() }, { ok: true, n: 8000 });
    again.close();
  });

  test("adversary: the worker is killed -> SQLite's own checkpoint is back on, appends go on, nothing is lost", { timeout: 30_000 }, async () => {
    const errors: unknown[] = [];
    const { store, ck } = background(fresh(), { onError: (err) => errors.push(err) });
    try {
      await ck.ready();
      store.append(batch(0, 1000));
      assert.equal(autocheckpoint(store), BACKSTOP_AUTOCHECKPOINT);
      await ck.kill();
      assert.equal(autocheckpoint(store), INLINE_AUTOCHECKPOINT, "the main connection checkpoints by itself again");
      assert.equal(ck.stats().mode, "inline");
      assert.equal(errors.length, 1);
      assert.match(String((errors[0] as Error).message), /checkpoint worker exited unexpectedly .*SQLite checkpoints inline again/);
      for (let n = 1000; n < 5000; n += 500) store.append(batch(n, 500));
      assert.deepEqual(pick(store.verify()), { ok: true, checked: 5000 });
    } finally {
      store.close();
    }
    const again = openStore({ path: store.path, readonly: true });
    assert.deepEqual({ ok: again.verify().ok, n: again.lastPosition() }, { ok: true, n: 5000 });
    again.close();
  });

  test("adversary: close() while the worker is inside a checkpoint loses nothing", { timeout: 60_000 }, async () => {
    const { store, ck } = background(fresh(), { pages: 1500, intervalMs: 1 });
    await ck.ready();
    let n = 0;
    let sawBusy = false;
    try {
      // Append until the worker is seen copying (the flag is shared memory: visible at once), then close at once.
      while (!sawBusy && n < 400_000) {
        store.append(batch(n, 200));
        n += 200;
        sawBusy = ck.stats().busy;
      }
    } finally {
      store.close();
    }
    assert.ok(sawBusy, `the worker never seen inside a checkpoint after ${n} events`);
    assert.equal(ck.stats().busy, false, "close() returned after the worker finished and closed its connection");
    assert.equal(existsSync(`${store.path}-wal`), false, "the main connection closed last and checkpointed");
    const again = openStore({ path: store.path, readonly: true });
    assert.deepEqual({ ...pick(again.verify()), n: again.lastPosition() }, { ok: true, checked: n, n });
    again.close();
  });
});
