/**
 * Turns driver errors into ClawErrors that name the file and say what to do. Both drivers report
 * SQLite's result code differently (better-sqlite3: `code: "SQLITE_FULL"`, node:sqlite:
 * `errcode: 13`); this is the one place that knows both.
 */
import { ClawError } from "../core/errors.ts";

const primaryNames: Record<number, string> = {
  3: "SQLITE_PERM", 5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 8: "SQLITE_READONLY", 10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT", 13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN", 19: "SQLITE_CONSTRAINT", 26: "SQLITE_NOTADB",
};

// SQLite's own messages (sqlite3ErrStr), for drivers that do not always attach the code
// (Deno's node:sqlite omits `errcode` on some paths).
const byMessage: Array<[RegExp, string]> = [
  [/database or disk is full/, "SQLITE_FULL"],
  [/file is not a database/, "SQLITE_NOTADB"],
  [/database disk image is malformed/, "SQLITE_CORRUPT"],
  [/attempt to write a readonly database/, "SQLITE_READONLY"],
  [/unable to open database file/, "SQLITE_CANTOPEN"],
  [/database is locked/, "SQLITE_BUSY"],
  [/database table is locked/, "SQLITE_LOCKED"],
  [/disk I\/O error/, "SQLITE_IOERR"],
  [/constraint failed|append-only/, "SQLITE_CONSTRAINT"],
];

/** SQLite's primary result code name for a driver error, e.g. "SQLITE_FULL", or undefined. */
export function sqliteCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown };
  if (typeof e?.errcode === "number") return primaryNames[e.errcode & 0xff] ?? `SQLITE_${e.errcode & 0xff}`;
  if (typeof e?.code === "string" && e.code.startsWith("SQLITE_")) {
    const m = /^SQLITE_[A-Z]+/.exec(e.code);
    return m?.[0];
  }
  if (e?.code === "ERR_SQLITE_ERROR" && typeof e.message === "string") {
    return byMessage.find(([re]) => re.test(e.message as string))?.[1];
  }
  return undefined;
}

/**
 * Maps `err` (thrown while doing `action` on `file`) to a ClawError; ClawErrors pass through.
 * @example
 * try { db.exec(sql) } catch (err) { throw storeError(err, "/data/events.db", "append") }
 */
export function storeError(err: unknown, file: string, action: string): ClawError {
  if (err instanceof ClawError) return err;
  const code = sqliteCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  const details = { file, action, sqlite: code ?? null };
  const make = (c: ConstructorParameters<typeof ClawError>[0], message: string) =>
    new ClawError(c, { message, details, cause: err });
  switch (code) {
    case "SQLITE_FULL":
      return make("STORE_DISK_FULL", `Cannot ${action}: the disk holding the event log ${file} is full, or the log reached its ` +
        `size limit (maxPageCount). The failed write was rolled back and the log is intact. Free disk space (or raise the limit) and retry.`);
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
      return make("STORE_READ_ONLY", `Cannot ${action}: the event log ${file} is read-only (${detail}). Make the file and its folder ` +
        `writable by this user (SQLite also writes ${file}-wal and ${file}-shm), or use a read-only command (claw replay, audit, log verify).`);
    case "SQLITE_NOTADB":
    case "SQLITE_CORRUPT":
      return make("STORE_CORRUPT", `Cannot ${action}: ${file} is not a SQLite database or is damaged (${detail}). ` +
        `Restore it from a backup, or move it away and point the store at a new file.`);
    case "SQLITE_CANTOPEN":
      return make("STORE_IO", `Cannot ${action}: ${file} cannot be opened (${detail}). Check that its folder exists and is accessible.`);
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return make("STORE_IO", `Cannot ${action}: the event log ${file} is locked by another process (${detail}). ` +
        `Stop the other writer or retry.`);
    case "SQLITE_CONSTRAINT":
      if (/append-only/.test(detail)) return make("STORE_APPEND_ONLY", `The event log ${file} is append-only: ${detail}`);
      return make("STORE_IO", `Cannot ${action} on ${file}: ${detail}`);
    default:
      return make("STORE_IO", `Cannot ${action} on the event log ${file}: ${detail}`);
  }
}
