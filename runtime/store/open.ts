/**
 * Opening a log: checks the file, picks the driver, sets WAL and the durability level, applies
 * migrations (writable) or only checks the schema (read-only). Every failure is a ClawError that
 * names the file and what to do.
 */
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ClawError } from "../core/errors.ts";
import { isDeno, openDriver, type SqlDatabase } from "./driver.ts";
import { prepareSchema } from "./migrate.ts";
import { INLINE_AUTOCHECKPOINT, registerCheckpointer, startCheckpointer, type Checkpointer } from "./checkpointer.ts";
import { createSqliteStore } from "./sqlite-store.ts";
import { sqliteCode, storeError } from "./sqlite-errors.ts";
import type { SqliteEventStore, StoreOptions } from "./types.ts";

/** Where the CLI looks for the log when no --db is given (and $CLAW_DB is unset). */
export const defaultStorePath = ".claw/events.db";

const synchronousLevel = { normal: "NORMAL", full: "FULL" } as const;

function checkFile(path: string, readonly: boolean): void {
  if (path === ":memory:") return;
  if (!existsSync(path)) {
    if (readonly) {
      throw new ClawError("STORE_NOT_FOUND", {
        message: `No event log at ${path}. Pass --db with the runtime's log file (claw.config.ts store.path).`,
        details: { file: path },
      });
    }
    mkdirSync(dirname(path), { recursive: true });
    return;
  }
  try {
    accessSync(path, readonly ? constants.R_OK : constants.R_OK | constants.W_OK);
  } catch (cause) {
    throw new ClawError("STORE_READ_ONLY", {
      message: readonly
        ? `The event log ${path} cannot be read by this user. Fix its permissions.`
        : `The event log ${path} is not writable by this user. Make the file and its folder writable ` +
          `(SQLite also writes ${path}-wal and ${path}-shm), or open it read-only.`,
      details: { file: path },
      cause,
    });
  }
}

function openError(err: unknown, path: string, readonly: boolean): ClawError {
  // The file is there but SQLite cannot open it: a read-only file, folder or filesystem, or no permission.
  if (sqliteCode(err) === "SQLITE_CANTOPEN" && path !== ":memory:" && existsSync(path)) {
    return new ClawError("STORE_READ_ONLY", {
      message: readonly
        ? `The event log ${path} cannot be opened for reading: its folder is not writable and SQLite's WAL mode ` +
          `needs ${path}-shm there. Copy the log (with any -wal file) to a writable folder and run the command on the copy.`
        : `The event log ${path} cannot be opened for writing: the file, its folder or its filesystem is read-only ` +
          `(or not this user's). Make them writable (SQLite also writes ${path}-wal and ${path}-shm).`,
      details: { file: path },
      cause: err,
    });
  }
  return storeError(err, path, "open");
}

/**
 * Opens (creating and migrating when needed) the event log at `path`.
 * @example
 * const store = openStore({ path: ".claw/events.db", durability: "full" });
 * store.append(jobStarted({ jobId, streamId: 7n, queuedMs: 2 }));
 */
export function openStore(opts: StoreOptions): SqliteEventStore {
  const readonly = opts.readonly ?? false;
  const durability = opts.durability ?? "normal";
  if (durability !== "normal" && durability !== "full") {
    throw new ClawError("CONFIG_INVALID", { message: `store durability must be "normal" or "full", got "${String(durability)}".` });
  }
  const path = opts.path === ":memory:" ? opts.path : resolve(opts.path);
  checkFile(path, readonly);
  let db: SqlDatabase;
  try {
    db = openDriver(path, opts.driver ?? "auto", { readonly });
  } catch (err) {
    throw openError(err, path, readonly);
  }
  let version: number;
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    // A 32 MiB page cache (a cap, not an allocation): keeps the key and dedupe index pages hot;
    // batched appends measured ~1.6x faster than with SQLite's 2 MiB default.
    db.exec("PRAGMA cache_size = -32768");
    ({ version } = prepareSchema(db, path, {
      readonly,
      beforeWrite() {
        const mode = String(db.prepare("PRAGMA journal_mode = WAL").get()?.journal_mode ?? "");
        if (mode !== "wal" && path !== ":memory:") {
          throw new ClawError("STORE_IO", {
            message: `The event log ${path} cannot use WAL mode (journal_mode is "${mode}"); put it on a local disk.`,
            details: { file: path },
          });
        }
      },
    }));
    if (!readonly) {
      db.exec(`PRAGMA synchronous = ${synchronousLevel[durability]}`);
      // Checkpoints (copying the WAL back into the file, with fsyncs) run inside whichever commit
      // crosses the threshold: with SQLite's default of 1000 pages that was ~1% of single appends,
      // i.e. the p99 (2-4 ms here). 10000 pages (~40 MiB of WAL) makes such stalls 10x rarer;
      // `store.checkpoint()` lets the runtime do the work when idle instead, and `checkpoint: "background"`
      // moves it to a worker thread (./checkpointer.ts, which lowers this to a backstop).
      db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
      db.exec("PRAGMA journal_size_limit = 67108864");
      if (opts.maxPageCount !== undefined) db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(opts.maxPageCount))}`);
    }
  } catch (err) {
    try { db.close(); } catch { /* the original error matters */ }
    throw openError(err, path, readonly);
  }
  const ck = backgroundCheckpointer(db, path, readonly, opts);
  if (!ck) return createSqliteStore(db, { path, durability, readonly, schemaVersion: version });
  // close() stops the worker (its connection closed) before the main connection closes last.
  const store = createSqliteStore({ ...db, close: () => { ck.stop(); db.close(); } }, { path, durability, readonly, schemaVersion: version });
  registerCheckpointer(store, ck);
  return store;
}

/** The worker for "background" checkpoints, when this log and runtime can have one (else SQLite's inline ones stay). */
function backgroundCheckpointer(db: SqlDatabase, path: string, readonly: boolean, opts: StoreOptions): Checkpointer | undefined {
  if (opts.checkpoint !== "background" || readonly || path === ":memory:" || db.driver !== "better-sqlite3" || isDeno()) return undefined;
  try {
    return startCheckpointer(db, path, {
      synchronous: synchronousLevel[opts.durability ?? "normal"], thresholdPages: opts.checkpointPages,
      intervalMs: opts.checkpointIntervalMs, onError: opts.onCheckpointError,
    });
  } catch (err) {
    db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
    opts.onCheckpointError?.(err);
    return undefined;
  }
}
