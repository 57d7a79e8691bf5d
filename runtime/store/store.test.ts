import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { isClawError } from "../core/errors.ts";
import * as ev from "../core/events.ts";
import type { StoredEvent } from "../core/events.ts";
import { chainRef, sampleEvents } from "../core/testing/sample-events.ts";
import { openDriver } from "./driver.ts";
import { openStore } from "./open.ts";
import { forEachDriver, tempDir } from "./testing/drivers.ts";

const pick = (v: { ok: boolean; checked: number }) => ({ ok: v.ok, checked: v.checked });

const strip = (e: StoredEvent) => ({ type: e.type, key: e.key, data: e.data, dedupe: e.dedupe });
const accepted = (streamId: bigint, nonce: bigint, jobId = `job-${streamId}-${nonce}`) =>
  ev.jobAccepted({ jobId, streamId, offering: "echo-1", providerId: 1n, nonce, bodyHash: "0x01", signer: "0xa", pricePerSecond: 10n, task: "chat" });

forEachDriver("event store", (driver) => {
  const dir = tempDir();
  let n = 0;
  const fresh = (opts: { durability?: "normal" | "full" } = {}) => openStore({ path: join(dir, `t${++n}.db`), driver, ...opts });

  test("opens a new file in WAL mode with the migrations recorded and the chosen durability", () => {
    const store = fresh();
    const info = store.info();
    assert.equal(info.driver, driver);
    assert.equal(info.journalMode, "wal");
    assert.equal(info.synchronous, 1, "normal -> synchronous=NORMAL");
    assert.equal(info.schemaVersion, 3);
    assert.equal(info.lastPosition, 0);
    store.close();
    const full = fresh({ durability: "full" });
    assert.equal(full.info().synchronous, 2, "full -> synchronous=FULL");
    full.close();
  });

  test("appends one event or a batch, with contiguous positions and chained hashes, and reads them back", () => {
    const store = fresh();
    const events = sampleEvents(7n);
    const one = store.append(events[0]!);
    assert.equal(one.stored[0]!.position, 1);
    const rest = store.append(events.slice(1));
    assert.deepEqual(rest.stored.map((e) => e.position), events.slice(1).map((_, i) => i + 2));
    assert.equal(rest.duplicates, 0);
    const all = store.read();
    assert.deepEqual(all.map(strip), [...one.stored, ...rest.stored].map(strip));
    assert.deepEqual(all.map((e) => e.data), events.map((e) => e.data), "bigints survive the round trip");
    assert.equal(new Set(all.map((e) => e.hash)).size, all.length);
    assert.equal(store.lastPosition(), events.length);
    store.close();
  });

  test("reads by range, key, type and limit", () => {
    const store = fresh();
    store.append([...sampleEvents(7n), ...sampleEvents(8n, 2)]);
    assert.deepEqual(store.read({ from: 3, to: 5 }).map((e) => e.position), [3, 4, 5]);
    const stream8 = store.readByKey("stream:8");
    assert.ok(stream8.length > 0 && stream8.every((e) => e.key === "stream:8"));
    assert.deepEqual(store.read({ types: ["JobCompleted", "JobFailed"] }).map((e) => e.type),
      ["JobCompleted", "JobFailed", "JobCompleted", "JobFailed"]);
    assert.equal(store.read({ types: ["JobAccepted"], limit: 3 }).length, 3);
    assert.deepEqual(store.read({ key: "nothing" }), []);
    store.close();
  });

  test("a chain log appended twice is stored once, also inside one batch", () => {
    const store = fresh();
    const w = ev.streamWithdrawn({ streamId: 7n, amount: 5n, chain: chainRef(1) });
    assert.equal(store.append(w).stored.length, 1);
    const again = store.append([w, ev.streamWithdrawn({ streamId: 7n, amount: 6n, chain: chainRef(2) }), w]);
    assert.equal(again.duplicates, 2);
    assert.deepEqual(again.stored.map((e) => e.position), [2]);
    assert.equal(store.lastPosition(), 2);
    assert.equal(store.verify().ok, true);
    store.close();
  });

  test("a replayed nonce is reported as a duplicate, atomically, and hasNonce sees it", () => {
    const store = fresh();
    assert.equal(store.hasNonce(7n, 42n), false);
    assert.equal(store.append(accepted(7n, 42n, "a")).duplicates, 0);
    assert.equal(store.hasNonce(7n, 42n), true);
    const replay = store.append(accepted(7n, 42n, "b"));
    assert.deepEqual([replay.duplicates, replay.stored.length], [1, 0]);
    assert.equal(store.append(accepted(8n, 42n, "c")).duplicates, 0, "the same nonce on another stream is fine");
    assert.equal(store.hasNonce(8n, 43n), false);
    store.close();
  });

  test("a job ends once: a second ending is a duplicate", () => {
    const store = fresh();
    store.append(ev.jobCompleted({ jobId: "j", streamId: 1n, meteredMs: 5n, cost: 5n, tokens: {} }));
    const r = store.append(ev.jobFailed({ jobId: "j", streamId: 1n, code: "X", message: "m", meteredMs: 6n, cost: 6n }));
    assert.equal(r.duplicates, 1);
    store.close();
  });

  test("an invalid event in a batch writes nothing", () => {
    const store = fresh();
    const bad = { ...ev.jobStarted({ jobId: "j", streamId: 1n, queuedMs: 1 }), data: { jobId: "j", streamId: 1, queuedMs: 1 } };
    assert.throws(() => store.append([ev.jobStarted({ jobId: "k", streamId: 1n, queuedMs: 1 }), bad as never]),
      (e) => isClawError(e, "STORE_INVALID_EVENT") && /streamId/.test(e.message));
    assert.throws(() => store.append({ ...ev.jobStarted({ jobId: "k", streamId: 1n, queuedMs: 1 }), key: "" }), /key/);
    assert.throws(() => store.append({ ...ev.jobStarted({ jobId: "k", streamId: 1n, queuedMs: 1 }), v: 2 as 1 }), /v must be 1/);
    assert.equal(store.lastPosition(), 0);
    store.close();
  });

  test("keeps the given time, or stamps the append time", () => {
    const store = fresh();
    const before = Date.now();
    const [a, b] = store.append([ev.jobStarted({ jobId: "a", streamId: 1n, queuedMs: 0 }, { time: 1234 }),
      ev.jobStarted({ jobId: "b", streamId: 1n, queuedMs: 0 })]).stored;
    assert.equal(a!.time, 1234);
    assert.ok(b!.time >= before && b!.time <= Date.now());
    store.close();
  });

  test("replay folds every event in order, or up to a position", () => {
    const store = fresh();
    store.append(sampleEvents(7n));
    const positions = store.replay((acc: number[], e) => [...acc, e.position], []);
    assert.deepEqual(positions, store.read().map((e) => e.position));
    assert.equal(store.replay((c: number) => c + 1, 0, { until: 4 }), 4);
    assert.equal(store.replay((c: number) => c + 1, 0, { until: 0 }), 0);
    store.close();
  });

  test("replay pages through a log larger than one page", () => {
    const store = fresh();
    const batch = Array.from({ length: 5000 }, (_, i) => ev.jobStarted({ jobId: `j${i}`, streamId: 1n, queuedMs: i }));
    store.append(batch);
    const sum = store.replay((s: number, e) => s + (e.type === "JobStarted" ? e.data.queuedMs : 0), 0);
    assert.equal(sum, (4999 * 5000) / 2);
    assert.deepEqual(pick(store.verify()), { ok: true, checked: 5000 });
    store.close();
  });

  test("SQLite itself refuses UPDATE and DELETE on the events table", () => {
    const store = fresh();
    store.append(sampleEvents(7n));
    const raw = openDriver(store.path, driver, { readonly: false });
    assert.throws(() => raw.exec("UPDATE events SET data = '{}' WHERE position = 1"), /append-only/);
    assert.throws(() => raw.exec("DELETE FROM events WHERE position = 1"), /append-only/);
    raw.close();
    assert.equal(store.verify().ok, true);
    store.close();
  });

  for (const [name, tamper, bad, checked] of [
    ["an edit", "UPDATE events SET data = replace(data, '1500', '9999') WHERE position = 6", 6, 5],
    ["a deletion", "DELETE FROM events WHERE position = 4", 5, 3],
    ["a reordering", "UPDATE events SET position = position + 1000 WHERE position IN (3, 4); " +
      "UPDATE events SET position = 4 WHERE position = 1003; UPDATE events SET position = 3 WHERE position = 1004", 3, 2],
    ["a forged hash", "UPDATE events SET hash = 'ab' || substr(hash, 3) WHERE position = 2", 2, 1],
  ] as const) {
    test(`verify finds ${name} and names the first bad position`, () => {
      const store = fresh();
      store.append(sampleEvents(7n));
      assert.deepEqual(pick(store.verify()), { ok: true, checked: 15 });
      const raw = openDriver(store.path, driver, { readonly: false });
      raw.exec("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete");
      raw.exec(tamper);
      raw.close();
      const result = store.verify();
      assert.equal(result.ok, false);
      assert.equal(result.firstBadPosition, bad);
      assert.equal(result.checked, checked);
      store.close();
    });
  }

  test("cursors live outside the log, and can move with an append atomically", () => {
    const store = fresh();
    assert.equal(store.getCursor("watcher"), undefined);
    store.setCursor("watcher", "100");
    store.setCursor("watcher", "90");
    assert.equal(store.getCursor("watcher"), "90");
    assert.equal(store.lastPosition(), 0, "cursors are not events");
    store.append(ev.streamWithdrawn({ streamId: 1n, amount: 1n, chain: chainRef(3) }), { cursor: { name: "watcher", value: "103" } });
    assert.equal(store.getCursor("watcher"), "103");
    store.close();
  });

  test("subscribers see each stored event after commit, not duplicates; a failing one does not fail the append", () => {
    const store = fresh();
    const seen: number[] = [];
    const stop = store.subscribe((e) => seen.push(e.position));
    const original = console.error;
    console.error = () => {};
    try {
      const stopBad = store.subscribe(() => { throw new Error("listener bug"); });
      const w = ev.streamWithdrawn({ streamId: 1n, amount: 1n, chain: chainRef(4) });
      store.append([w, w, ev.jobStarted({ jobId: "a", streamId: 1n, queuedMs: 0 })]);
      stopBad();
    } finally {
      console.error = original;
    }
    assert.deepEqual(seen, [1, 2]);
    stop();
    store.append(ev.jobStarted({ jobId: "b", streamId: 1n, queuedMs: 0 }));
    assert.deepEqual(seen, [1, 2]);
    store.close();
  });

  test("two writers on one file keep one unbroken chain", () => {
    const path = join(dir, `shared-${n++}.db`);
    const a = openStore({ path, driver });
    const b = openStore({ path, driver });
    for (let i = 0; i < 50; i++) {
      (i % 3 === 0 ? b : a).append(ev.jobStarted({ jobId: `j${i}`, streamId: 1n, queuedMs: i }));
    }
    assert.deepEqual(pick(a.verify()), { ok: true, checked: 50 });
    assert.equal(b.lastPosition(), 50);
    a.close();
    b.close();
  });

  test("reopening keeps everything and applies no migration twice", () => {
    const path = join(dir, `reopen-${n++}.db`);
    const first = openStore({ path, driver });
    first.append(sampleEvents(7n));
    first.close();
    const second = openStore({ path, driver });
    assert.equal(second.lastPosition(), 15);
    assert.equal(second.verify().ok, true);
    second.append(accepted(7n, 1n));
    second.close();
    const raw = openDriver(path, driver, { readonly: true });
    assert.deepEqual(raw.prepare("SELECT name FROM schema_migrations ORDER BY version").all().map((r) => r.name),
      ["001_event_log.sql", "002_cursors.sql", "003_slots_leaders.sql"]);
    raw.close();
  });

  test("a read-only store reads, replays and verifies, and refuses to write", () => {
    const path = join(dir, `ro-${n++}.db`);
    const writer = openStore({ path, driver });
    writer.append(sampleEvents(7n));
    const reader = openStore({ path, driver, readonly: true });
    assert.equal(reader.read().length, 15);
    assert.equal(reader.verify().ok, true);
    assert.throws(() => reader.append(accepted(1n, 1n)), (e) => isClawError(e, "STORE_READ_ONLY"));
    assert.throws(() => reader.setCursor("x", "1"), (e) => isClawError(e, "STORE_READ_ONLY"));
    writer.append(accepted(1n, 1n));
    assert.equal(reader.lastPosition(), 16, "a reader sees later appends");
    reader.close();
    writer.close();
  });

  test("a closed store says so", () => {
    const store = fresh();
    store.close();
    store.close();
    assert.throws(() => store.lastPosition(), (e) => isClawError(e, "STORE_CLOSED") && e.message.includes(store.path));
  });

  test("verify reports the head hash (to detect a later truncation) and an empty log verifies", () => {
    const store = fresh();
    assert.deepEqual(store.verify(), { ok: true, checked: 0 });
    const { stored } = store.append(sampleEvents(7n));
    assert.equal(store.verify().head, stored[stored.length - 1]!.hash);
    store.close();
  });

  test("checkpoint copies the write-ahead log into the file on demand", () => {
    const store = fresh();
    store.append(sampleEvents(7n));
    const { walPages, checkpointedPages } = store.checkpoint();
    assert.ok(walPages > 0);
    assert.equal(checkpointedPages, walPages);
    assert.equal(store.verify().ok, true);
    store.close();
  });

  test("a throwaway in-memory log works too", () => {
    const store = openStore({ path: ":memory:", driver });
    store.append(sampleEvents(7n));
    assert.equal(store.verify().checked, 15);
    store.close();
  });
});
