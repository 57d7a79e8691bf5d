/**
 * node:sqlite driver (Deno 2, Node >= 22.5). Node 20 has no node:sqlite: then this driver reports
 * itself unavailable with a clear message instead of failing at import time.
 */
import { createRequire } from "node:module";
import { ClawError } from "../core/errors.ts";
import type { DriverOpenOptions, SqlArrayStatement, SqlDatabase, SqlStatement } from "./driver.ts";

/** The part of node:sqlite's DatabaseSync we use (typed here: @types/node 20 does not know it). */
interface StatementSync extends SqlStatement {
  /** Node >= 22.16 / 24: rows as arrays. */
  setReturnArrays?(enabled: boolean): void;
}
interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
}
type NodeSqlite = { DatabaseSync: new (path: string, opts?: { readOnly?: boolean }) => DatabaseSync };

let mod: NodeSqlite | undefined;

function load(): NodeSqlite {
  if (mod) return mod;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  let loaded = proc?.getBuiltinModule?.("node:sqlite") as NodeSqlite | undefined;
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)("node:sqlite") as NodeSqlite;
    } catch {
      loaded = undefined;
    }
  }
  if (!loaded?.DatabaseSync) {
    const version = (globalThis as { process?: { version?: string } }).process?.version ?? "unknown";
    throw new ClawError("STORE_DRIVER_UNAVAILABLE", {
      message: `node:sqlite is not available in this runtime (Node ${version}; it needs Node >= 22.5 or Deno 2). ` +
        `Use driver "better-sqlite3" here.`,
    });
  }
  mod = loaded;
  return loaded;
}

/** True when node:sqlite can be loaded here. */
export function nodeSqliteAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/**
 * @example
 * const db = openNodeSqlite("events.db", { readonly: true });
 */
export function openNodeSqlite(path: string, opts: DriverOpenOptions): SqlDatabase {
  const { DatabaseSync } = load();
  const db = new DatabaseSync(path, { readOnly: opts.readonly });
  return {
    driver: "node:sqlite",
    exec: (sql) => db.exec(sql),
    prepare: (sql) => db.prepare(sql),
    prepareArrays(sql): SqlArrayStatement {
      const st = db.prepare(sql);
      if (typeof st.setReturnArrays === "function") {
        st.setReturnArrays(true);
        return st as unknown as SqlArrayStatement;
      }
      return { all: (...params) => st.all(...params).map((row) => Object.values(row)) };
    },
    transaction<T>(fn: () => T): T {
      db.exec("BEGIN IMMEDIATE");
      let result: T;
      try {
        result = fn();
        db.exec("COMMIT");
      } catch (err) {
        // SQLite may already have rolled back (e.g. on SQLITE_FULL); a failing ROLLBACK adds nothing.
        try { db.exec("ROLLBACK"); } catch { /* already rolled back */ }
        throw err;
      }
      return result;
    },
    close: () => db.close(),
  };
}
