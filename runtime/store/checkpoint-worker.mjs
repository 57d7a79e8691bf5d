/**
 * The checkpoint worker (started by ./checkpointer.ts, which explains the numbers): its own
 * better-sqlite3 connection to the log copies the write-ahead log back into the database file off the
 * main thread's event loop.
 * Plain JavaScript, like config/esm-hooks.mjs: a worker thread does not get tsx's loader (neither
 * under `node --import tsx` nor in the built CLI), and this file loads under plain Node anywhere.
 *
 * Every `intervalMs` it reads how many WAL frames are not yet in the database file from the -shm
 * file's wal-index header (https://www.sqlite.org/walformat.html section 2.1: mxFrame, the frames in
 * the WAL, at byte 16; nBackfill, the frames already copied back, at byte 96; native byte order) and,
 * from `thresholdPages` on, runs PRAGMA wal_checkpoint(PASSIVE), which never blocks the writer or
 * readers. The header read takes no lock: a torn read only moves one checkpoint by one interval, and a
 * header it cannot make sense of (another format version, being rewritten) counts as "checkpoint now".
 *
 * Shared Int32Array `ctl` (indexes exported by ./checkpointer.ts as Ctl): STOP is set by the main
 * thread to ask it to finish; STATE goes 0 (starting) -> 1 (connection open) -> 2 (connection closed,
 * set on every way out, errors included); CHECKPOINTS and FRAMES count the checkpoints that copied
 * frames and the frames copied; BUSY is 1 while a checkpoint runs; PENDING is the frames not yet
 * copied at the last look (-1: unknown) and TICKS counts the looks. An error is rethrown after the
 * connection is closed: the main thread then turns SQLite's own automatic checkpoint back on.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import { endianness } from "node:os";
import { isMainThread, workerData } from "node:worker_threads";

const STOP = 0, STATE = 1, CHECKPOINTS = 2, FRAMES = 3, BUSY = 4, PENDING = 5, TICKS = 6;
const le = endianness() === "LE";

/**
 * The first 136 bytes of a -shm file -> { frames: mxFrame, backfilled: nBackfill }, or undefined when
 * they are not a wal-index header this code knows (another version, not initialized, being rewritten).
 */
export function walIndexFrames(header) {
  if (header.length < 136) return undefined;
  const u32 = (at) => (le ? header.readUInt32LE(at) : header.readUInt32BE(at));
  // iVersion 3007000, isInit set, and the two copies of the header equal (not mid-write).
  if (u32(0) !== 3007000 || header[12] !== 1 || header.compare(header, 48, 96, 0, 48) !== 0) return undefined;
  return { frames: u32(16), backfilled: u32(96) };
}

function run(db, ctl, thresholdPages, intervalMs, path) {
  // The connection reads the schema (SQLite maps the -shm file) before the header is read.
  db.prepare("SELECT count(*) FROM sqlite_schema").get();
  const fd = openSync(`${path}-shm`, "r");
  const header = Buffer.alloc(136);
  try {
    Atomics.store(ctl, STATE, 1);
    Atomics.notify(ctl, STATE);
    while (Atomics.load(ctl, STOP) === 0) {
      const wal = walIndexFrames(header.subarray(0, readSync(fd, header, 0, 136, 0)));
      const pending = wal ? Math.max(0, wal.frames - wal.backfilled) : -1;
      Atomics.store(ctl, PENDING, pending);
      Atomics.add(ctl, TICKS, 1);
      if (pending === -1 || pending >= thresholdPages) {
        Atomics.store(ctl, BUSY, 1);
        const row = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
        Atomics.store(ctl, BUSY, 0);
        // `checkpointed` counts from the start of the WAL: what this one copied is the difference.
        const done = Number(row?.checkpointed ?? 0);
        const copied = wal && done >= wal.backfilled ? done - wal.backfilled : done;
        if (copied > 0) {
          Atomics.add(ctl, CHECKPOINTS, 1);
          Atomics.add(ctl, FRAMES, copied);
        }
      }
      // Sleeps one interval, or less when the main thread sets STOP and notifies.
      Atomics.wait(ctl, STOP, 0, intervalMs);
    }
  } finally {
    closeSync(fd);
  }
}

function main({ path, thresholdPages, intervalMs, synchronous, ctl: buffer }) {
  const ctl = new Int32Array(buffer);
  let db;
  try {
    if (Atomics.load(ctl, STOP) !== 0) return;
    const Database = createRequire(import.meta.url)("better-sqlite3");
    db = new Database(path, { fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    // The checkpoint's fsyncs (WAL before copying, database file after) follow the log's durability.
    db.pragma(`synchronous = ${synchronous}`);
    run(db, ctl, thresholdPages, intervalMs, path);
  } finally {
    try { db?.close(); } finally {
      Atomics.store(ctl, BUSY, 0);
      Atomics.store(ctl, STATE, 2);
      Atomics.notify(ctl, STATE);
    }
  }
}

if (!isMainThread && workerData?.ctl) main(workerData);
