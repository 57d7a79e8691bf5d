/**
 * One runtime per event log. The log is where a nonce is spent (the replay check) and where metering
 * lives; two runtimes writing one log, or two runtimes sharing a wallet with separate logs, would each
 * serve the same proof once. A runtime takes the log's lock before opening it and refuses
 * (STORE_LOCKED) when another live runtime holds it. (Several instances of one provider share a
 * PostgreSQL log instead: runtime/store/README.md.)
 *
 * The lock is named after the log's REAL path (symlinks and `..` resolved; for a log not created yet,
 * the real path of its folder plus its name), so a symlink to a held log is refused.
 *
 * The lock itself is an operating-system lock taken through SQLite: `<real log>.lock.db` is a SQLite
 * file on which the holder keeps `BEGIN IMMEDIATE` open (SQLite's RESERVED lock, an fcntl byte-range
 * lock on Unix, LockFileEx on Windows), with no busy wait. Why this and not a file whose existence
 * is the lock: the kernel drops the lock the instant its process dies (kill -9, OOM, power loss of a
 * local disk), so there is no stale lock to detect or take over; taking it is one atomic system
 * call, so of any number of runtimes starting together after a crash exactly one gets it. A
 * create-then-check-the-pid lock needs a takeover (read → unlink → create) that two starters can
 * both win, and an exclusive "takeover" file only moves the stale problem to that file. Why not
 * SQLite's exclusive locking mode on the log itself: readers (`claw earnings`, `claw audit`, `claw log`)
 * must keep working while the runtime runs, and an exclusive WAL database shuts them out.
 *
 * `<real log>.lock` (JSON: pid, host, start time) only says who holds it, for the refusal message;
 * it decides nothing. The `.lock.db` file is never removed: unlinking a lock file while another
 * process has it open lets two processes lock two different files.
 */
import { closeSync, existsSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { ClawError } from "../core/errors.ts";
import { openDriver, type SqlDatabase } from "../store/driver.ts";
import { processAlive } from "../store/process-alive.ts";
import { sqliteCode } from "../store/sqlite-errors.ts";

export type InstanceLock = {
  /** The holder file (`<real log>.lock`, JSON naming the holder). */
  readonly path: string;
  /** The file the operating-system lock is held on (`<real log>.lock.db`). */
  readonly lockFile: string;
  release(): void;
};
type Holder = { pid: number; host: string; startedAt: string; lock?: string };

/** Locks held by this process, by real log path (a second runtime in the same process is refused too). */
const held = new Set<string>();

/**
 * The log's real path: symlinks resolved; when the file does not exist yet, its folder's real path
 * plus its name (the folder must exist, as it must for SQLite to create the file).
 * @example
 * realLogPath("/srv/link-to-claw/events.db") // "/data/claw/events.db"
 */
export function realLogPath(logPath: string): string {
  const abs = resolve(logPath);
  try {
    return realpathSync(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(abs, err);
  }
  try {
    return join(realpathSync(dirname(abs)), basename(abs));
  } catch (err) {
    throw ioError(abs, err);
  }
}

function ioError(path: string, err: unknown): ClawError {
  return new ClawError("STORE_IO", { message: `Cannot resolve the event log's path ${path}: ${(err as Error).message}`, cause: err });
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, "utf8").slice(0, 1024)) as Partial<Holder>;
    return typeof h.pid === "number" && typeof h.host === "string"
      ? { pid: h.pid, host: h.host, startedAt: String(h.startedAt ?? ""), ...(typeof h.lock === "string" ? { lock: h.lock } : {}) }
      : undefined;
  } catch {
    return undefined; // none, or damaged: it is only information
  }
}

/** Writes the holder file whole or not at all (a reader never sees half of it). */
function writeHolder(path: string, me: Holder): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function refuse(logPath: string, info: string, h: Holder | undefined, extra = ""): ClawError {
  const who = h ? ` (pid ${h.pid} on ${h.host}, since ${h.startedAt})` : "";
  return new ClawError("STORE_LOCKED", {
    message: `The event log ${logPath} is in use by another running runtime${who}. One runtime per log (and per wallet: two runtimes ` +
      `sharing a wallet would both serve the same payment proof); stop it or use another store.path.${extra}`,
    details: { lock: info, ...(h ? { pid: h.pid, host: h.host } : {}) },
  });
}

/**
 * @example
 * const lock = acquireInstanceLock("/var/lib/claw/events.db"); // throws STORE_LOCKED if a live runtime has it
 * // ... run ...
 * lock.release();
 */
export function acquireInstanceLock(logPath: string): InstanceLock {
  const real = realLogPath(logPath);
  const info = `${real}.lock`;
  const lockFile = `${real}.lock.db`;
  if (held.has(real)) throw refuse(logPath, info, readHolder(info));
  let db: SqlDatabase;
  try {
    db = openDriver(lockFile, "auto", { readonly: false });
    db.exec("PRAGMA busy_timeout = 0");
  } catch (err) {
    throw new ClawError("STORE_IO", { message: `Cannot open the log's lock file ${lockFile}: ${(err as Error).message}`, cause: err });
  }
  try {
    db.exec("BEGIN IMMEDIATE"); // the atomic step: one process holds RESERVED on this file
  } catch (err) {
    db.close();
    if (sqliteCode(err) === "SQLITE_BUSY") throw refuse(logPath, info, readHolder(info));
    throw new ClawError("STORE_IO", { message: `Cannot take the log's lock ${lockFile}: ${(err as Error).message}`, cause: err });
  }
  const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), lock: "sqlite" };
  const unlock = () => {
    try { db.exec("ROLLBACK"); } catch { /* closing releases it too */ }
    db.close();
  };
  const previous = readHolder(info);
  // A runtime from before this lock (a holder file without `lock`) still running on this host: it does
  // not take the SQLite lock, so only its file shows it. Refuse rather than share the log with it.
  if (previous && previous.lock === undefined && previous.host === me.host && previous.pid !== me.pid && processAlive(previous.pid)) {
    unlock();
    throw refuse(logPath, info, previous, " (It is an older ClawCompute that does not take the new lock.)");
  }
  // Another host's runtime on a shared folder: network filesystems may not carry the lock, so its file is trusted.
  if (previous && previous.host !== me.host) {
    unlock();
    throw new ClawError("STORE_LOCKED", {
      message: `The event log ${logPath} is locked by process ${previous.pid} on host ${previous.host} (since ${previous.startedAt}); this host ` +
        `cannot tell whether it still runs. One runtime per log: if it is gone, remove ${info}.`,
      details: { lock: info, pid: previous.pid, host: previous.host },
    });
  }
  try {
    writeHolder(info, me);
  } catch (err) {
    unlock();
    throw new ClawError("STORE_IO", { message: `Cannot write the log's lock holder file ${info}: ${(err as Error).message}`, cause: err });
  }
  held.add(real);
  let released = false;
  return {
    path: info,
    lockFile,
    release() {
      if (released) return;
      released = true;
      // The holder file first, while still holding the lock: after unlock() it may already be the next holder's.
      const h = readHolder(info);
      if (h?.pid === me.pid && h.startedAt === me.startedAt && existsSync(info)) {
        try { unlinkSync(info); } catch { /* already gone */ }
      }
      held.delete(real);
      unlock();
    },
  };
}

/**
 * Opens the log under `lock`: the lock is released when the store is closed, or at once if it cannot
 * be opened.
 * @example
 * const store = openLocked(() => openStore({ path }), acquireInstanceLock(path));
 */
export function openLocked<S extends { close(): void }>(open: () => S, lock: InstanceLock | undefined): S {
  let store: S;
  try {
    store = open();
  } catch (err) {
    lock?.release();
    throw err;
  }
  if (!lock) return store;
  const close = store.close.bind(store);
  store.close = () => {
    try {
      close();
    } finally {
      lock.release();
    }
  };
  return store;
}
