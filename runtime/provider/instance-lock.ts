/**
 * One runtime per event log. The log is where a nonce is spent (the replay check) and where metering
 * lives; two runtimes writing one log, or two runtimes sharing a wallet with separate logs, would each
 * serve the same proof once. Until a shared store exists, a runtime takes `<log>.lock` before opening
 * its log and refuses (STORE_LOCKED) when another live runtime holds it.
 *
 * Why a lock file and not SQLite's exclusive locking mode: readers must keep working while the
 * runtime runs (`claw earnings`, `claw audit`, `claw log` open the log read-only), and an exclusive
 * WAL database shuts them out. The lock file names its holder (pid, host, start time); a lock whose
 * process is gone (kill -9, power loss) is taken over, so a crash never needs a manual step. A lock
 * from another host cannot be checked and is refused with the file's path to remove by hand.
 * Creation is O_CREAT|O_EXCL: of two runtimes starting at once exactly one gets it.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { ClawError } from "../core/errors.ts";

export type InstanceLock = { readonly path: string; release(): void };
type Holder = { pid: number; host: string; startedAt: string };

/** Locks held by this process (a second runtime in the same process is refused too). */
const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else — alive.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed runtime not yet reaped by its parent is a zombie: it answers kill(0) but holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, "utf8").slice(0, 1024)) as Partial<Holder>;
    return typeof h.pid === "number" && typeof h.host === "string" ? { pid: h.pid, host: h.host, startedAt: String(h.startedAt ?? "") } : undefined;
  } catch {
    return undefined; // gone, or half-written by a holder that died while writing it
  }
}

function youngerThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < ms;
  } catch {
    return false;
  }
}

function tryCreate(path: string, me: Holder): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new ClawError("STORE_IO", { message: `Cannot create the log's lock file ${path}: ${(err as Error).message}`, cause: err });
  }
  try {
    writeSync(fd, JSON.stringify(me));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * @example
 * const lock = acquireInstanceLock("/var/lib/claw/events.db"); // throws STORE_LOCKED if a live runtime has it
 * // ... run ...
 * lock.release();
 */
export function acquireInstanceLock(logPath: string): InstanceLock {
  const path = `${logPath}.lock`;
  const me: Holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(path, me)) {
      held.add(path);
      let released = false;
      return {
        path,
        release() {
          if (released) return;
          released = true;
          held.delete(path);
          // Only our own lock: never remove one another runtime took over.
          if (readHolder(path)?.pid === me.pid && readHolder(path)?.startedAt === me.startedAt) {
            try {
              unlinkSync(path);
            } catch {
              // already gone
            }
          }
        },
      };
    }
    const h = readHolder(path);
    if (h && h.host !== me.host) {
      throw new ClawError("STORE_LOCKED", {
        message: `The event log ${logPath} is locked by process ${h.pid} on host ${h.host} (since ${h.startedAt}); this host cannot tell whether ` +
          `it still runs. One runtime per log: if it is gone, remove ${path}.`,
        details: { lock: path, pid: h.pid, host: h.host },
      });
    }
    const liveHere = h !== undefined && (h.pid === me.pid ? held.has(path) : alive(h.pid));
    if (liveHere) {
      throw new ClawError("STORE_LOCKED", {
        message: `The event log ${logPath} is in use by another running runtime (pid ${h!.pid}, since ${h!.startedAt}). One runtime per log ` +
          `(and per wallet: two runtimes sharing a wallet would both serve the same payment proof); stop it or use another store.path.`,
        details: { lock: path, pid: h!.pid, host: h!.host },
      });
    }
    if (h === undefined && youngerThan(path, 2_000)) {
      throw new ClawError("STORE_LOCKED", { message: `The event log ${logPath} is being locked by another runtime starting right now (${path}).`, details: { lock: path } });
    }
    // A dead holder's lock (or an unreadable old one): take it over.
    try {
      unlinkSync(path);
    } catch {
      // someone else removed it first; retry the exclusive create
    }
  }
  throw new ClawError("STORE_LOCKED", { message: `Could not take the lock ${path}: other runtimes keep taking it.`, details: { lock: path } });
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
