import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isClawError, type ErrorCode } from "../core/errors.ts";
import * as ev from "../core/events.ts";
import { sampleEvents } from "../core/testing/sample-events.ts";
import { openDriver } from "./driver.ts";
import { chainHash } from "./hash.ts";
import { openStore } from "./open.ts";
import { forEachDriver, tempDir } from "./testing/drivers.ts";

const pick = (v: { ok: boolean; checked: number }) => ({ ok: v.ok, checked: v.checked });
import { mountTmpfs } from "./testing/tmpfs.ts";

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
/** The error is a ClawError with `code` whose message names the file and matches `hint`. */
const clear = (code: ErrorCode, file: string, hint: RegExp) => (err: unknown) =>
  isClawError(err, code) && err.message.includes(file) && hint.test(err.message);

forEachDriver("bad input", (driver) => {
  const dir = tempDir();
  let n = 0;
  const path = () => join(dir, `b${++n}.db`);

  test("a file of random bytes: STORE_CORRUPT naming the file, file untouched", () => {
    const file = path();
    writeFileSync(file, randomBytes(8192));
    const before = sha(file);
    assert.throws(() => openStore({ path: file, driver }), clear("STORE_CORRUPT", file, /backup|move it away/));
    assert.throws(() => openStore({ path: file, driver, readonly: true }), clear("STORE_CORRUPT", file, /not a SQLite database/));
    assert.equal(sha(file), before);
  });

  test("a damaged log: STORE_CORRUPT when its pages are read", () => {
    const file = path();
    const store = openStore({ path: file, driver });
    store.append(Array.from({ length: 400 }, (_, i) => ev.jobStarted({ jobId: `j${i}`, streamId: 1n, queuedMs: i })));
    store.close();
    const bytes = readFileSync(file);
    randomBytes(4096 * 3).copy(bytes, 4096 * 2); // overwrite pages 3-5 (event rows), keep the header
    writeFileSync(file, bytes);
    assert.throws(() => {
      const s = openStore({ path: file, driver, readonly: true });
      try { s.verify(); s.read(); } finally { s.close(); }
    }, clear("STORE_CORRUPT", file, /damaged|backup/));
  });

  test("another application's SQLite database: refused as foreign, not converted", () => {
    const file = path();
    const raw = openDriver(file, driver, { readonly: false });
    raw.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ann')");
    raw.close();
    const before = sha(file);
    assert.throws(() => openStore({ path: file, driver }), clear("STORE_CORRUPT", file, /not a ClawCompute event log.*users/));
    assert.equal(sha(file), before, "not switched to WAL, not migrated");
  });

  test("a log from a newer version: STORE_TOO_NEW naming the file and the migration, file untouched", () => {
    const file = path();
    openStore({ path: file, driver }).close();
    const raw = openDriver(file, driver, { readonly: false });
    raw.exec("INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (4, '004_future_index.sql', 'x', 0)");
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    raw.close();
    const before = sha(file);
    for (const readonly of [false, true]) {
      assert.throws(() => openStore({ path: file, driver, readonly }),
        clear("STORE_TOO_NEW", file, /004_future_index\.sql.*003_slots_leaders\.sql.*Upgrade ClawCompute/));
    }
    assert.equal(sha(file), before);
  });

  test("an unknown event type (or version) from a newer version: STORE_UNKNOWN_EVENT with its position; verify still works", () => {
    for (const [type, v] of [["StreamExploded", 1], ["JobStarted", 2]] as const) {
      const file = path();
      const store = openStore({ path: file, driver });
      store.append(sampleEvents(7n));
      const raw = openDriver(file, driver, { readonly: false });
      const tail = raw.prepare("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").get()!;
      const row = { position: Number(tail.position) + 1, type, v, key: "runtime", time: 1, dedupe: null, data: "{}" };
      raw.prepare("INSERT INTO events (position, type, v, key, time, dedupe, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(row.position, type, v, row.key, row.time, null, row.data, chainHash(String(tail.hash), row));
      raw.close();
      const unknown = clear("STORE_UNKNOWN_EVENT", file, new RegExp(`position ${row.position}.*"${type}" version ${v}.*upgrade`));
      assert.throws(() => store.read(), unknown);
      assert.throws(() => store.replay((c: number) => c + 1, 0), unknown);
      assert.equal(store.read({ to: 15 }).length, 15, "older events are still readable");
      assert.equal(store.verify().ok, true);
      store.close();
    }
  });

  test("a full log (size limit): STORE_DISK_FULL naming the file; nothing half-written; usable again after", () => {
    const file = path();
    const store = openStore({ path: file, driver, maxPageCount: 40 });
    let appended = 0;
    const batch = (i: number) => Array.from({ length: 20 }, (_, k) => ev.jobStarted({ jobId: `j${i}-${k}`, streamId: 1n, queuedMs: k }));
    assert.throws(() => { for (let i = 0; i < 10_000; i++) appended += store.append(batch(i)).stored.length; },
      clear("STORE_DISK_FULL", file, /full.*rolled back.*Free disk space/));
    assert.ok(appended > 0);
    assert.equal(store.lastPosition(), appended, "the failed batch left nothing behind");
    assert.deepEqual(pick(store.verify()), { ok: true, checked: appended });
    store.close();
    const bigger = openStore({ path: file, driver, maxPageCount: 10_000 });
    bigger.append(batch(-1));
    assert.equal(bigger.verify().ok, true);
    bigger.close();
  });

  test("a really full disk (small tmpfs): STORE_DISK_FULL, log intact", (t) => {
    const fs = mountTmpfs(512);
    if (typeof fs === "string") return t.skip(fs);
    const file = join(fs.dir, "events.db");
    const store = openStore({ path: file, driver });
    try {
      let appended = 0;
      assert.throws(() => {
        for (let i = 0; i < 100_000; i++) appended += store.append(sampleEvents(BigInt(i + 10), i)).stored.length;
      }, clear("STORE_DISK_FULL", file, /full/));
      assert.equal(store.lastPosition(), appended);
      assert.deepEqual(pick(store.verify()), { ok: true, checked: appended });
    } finally {
      store.close();
      fs.unmount();
    }
  });

  test("a read-only file: STORE_READ_ONLY naming the file and what to do", (t) => {
    const fs = mountTmpfs(1024);
    const asRoot = process.getuid?.() === 0;
    if (asRoot && typeof fs === "string") return t.skip(`running as root and ${fs}`);
    const folder = typeof fs === "string" ? join(dir, `ro${++n}`) : fs.dir;
    const file = join(folder, "events.db");
    try {
      const store = openStore({ path: file, driver });
      store.append(sampleEvents(7n));
      store.close();
      if (typeof fs === "string") { chmodSync(file, 0o444); chmodSync(folder, 0o555); } else fs.remountReadOnly();
      assert.throws(() => openStore({ path: file, driver }), clear("STORE_READ_ONLY", file, /writable|read-only/));
      // Reading works where SQLite can create its -shm file; on read-only media it says how to proceed.
      try {
        const reader = openStore({ path: file, driver, readonly: true });
        assert.equal(reader.read().length, 15);
        reader.close();
      } catch (err) {
        assert.ok(clear("STORE_READ_ONLY", file, /Copy the log/)(err), String(err));
      }
    } finally {
      if (typeof fs === "string") chmodSync(folder, 0o755);
      else fs.unmount();
    }
  });

  test("no file for a read-only command: STORE_NOT_FOUND, nothing created", () => {
    const file = path();
    assert.throws(() => openStore({ path: file, driver, readonly: true }), clear("STORE_NOT_FOUND", file, /--db/));
    assert.throws(() => readFileSync(file), /ENOENT/);
  });

  test("a bad durability setting is a configuration error", () => {
    assert.throws(() => openStore({ path: path(), driver, durability: "sometimes" as "full" }), (e) => isClawError(e, "CONFIG_INVALID"));
  });
});
