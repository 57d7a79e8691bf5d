/**
 * The small slice of SQLite the store uses, so that one store runs on two drivers:
 * better-sqlite3 (Node) and node:sqlite (Deno, Node >= 22.5). Both are synchronous; their
 * statements already share `run/get/all` with positional `?` parameters, so no wrapper sits on the
 * hot path. Runtime-specific code lives only in the driver files.
 */
import { ClawError } from "../core/errors.ts";
import { openBetterSqlite3 } from "./driver-better-sqlite3.ts";
import { nodeSqliteAvailable, openNodeSqlite } from "./driver-node-sqlite.ts";

export type DriverName = "better-sqlite3" | "node:sqlite";
export type DriverChoice = DriverName | "auto";
export type SqlValue = string | number | bigint | null;
export type SqlRow = Record<string, unknown>;

export interface SqlStatement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

/** A statement returning rows as arrays in column order: cheaper than objects on bulk reads. */
export interface SqlArrayStatement {
  all(...params: SqlValue[]): unknown[][];
}

export interface SqlDatabase {
  readonly driver: DriverName;
  exec(sql: string): void;
  prepare(sql: string): SqlStatement;
  prepareArrays(sql: string): SqlArrayStatement;
  /** Runs `fn` between BEGIN IMMEDIATE and COMMIT; rolls back and rethrows when it throws. */
  transaction<T>(fn: () => T): T;
  close(): void;
}

export type DriverOpenOptions = { readonly: boolean };

/** True under Deno, where better-sqlite3 cannot load. */
export const isDeno = (): boolean => typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/**
 * Opens `path` with the chosen driver. `auto` picks node:sqlite under Deno; elsewhere better-sqlite3,
 * falling back to node:sqlite when better-sqlite3 cannot load (e.g. built for another Node).
 * @example
 * const db = openDriver("/var/lib/claw/events.db", "auto", { readonly: false });
 */
export function openDriver(path: string, choice: DriverChoice, opts: DriverOpenOptions): SqlDatabase {
  if (choice === "node:sqlite") return openNodeSqlite(path, opts);
  if (choice === "better-sqlite3") return openBetterSqlite3(path, opts);
  if (isDeno()) return openNodeSqlite(path, opts);
  try {
    return openBetterSqlite3(path, opts);
  } catch (err) {
    const unavailable = err instanceof ClawError && err.code === "STORE_DRIVER_UNAVAILABLE";
    if (!unavailable || !nodeSqliteAvailable()) throw err;
    return openNodeSqlite(path, opts);
  }
}

/** Whether a driver can load in this runtime, and why not when it cannot (for tests and `claw doctor`). */
export function driverAvailability(name: DriverName): { ok: true } | { ok: false; reason: string } {
  try {
    openDriver(":memory:", name, { readonly: false }).close();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
