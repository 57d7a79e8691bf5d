/**
 * better-sqlite3 driver (Node). Loaded lazily with require so that importing the store under Deno,
 * where this native addon cannot load, costs nothing until this driver is asked for.
 */
import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import { ClawError } from "../core/errors.ts";
import type { DriverOpenOptions, SqlArrayStatement, SqlDatabase, SqlStatement } from "./driver.ts";

type Ctor = typeof BetterSqlite3;
let ctor: Ctor | undefined;

function unavailable(cause: unknown): ClawError {
  return new ClawError("STORE_DRIVER_UNAVAILABLE", {
    message: `better-sqlite3 cannot be loaded in this runtime (${(cause as Error).message.split("\n")[0]}). ` +
      `Rebuild it for this Node (npm rebuild better-sqlite3) or use driver "node:sqlite" (Node >= 22.5, Deno).`,
    cause,
  });
}

/** The native addon loads on first use: a build for another Node fails there, not at require. */
const isAddonLoadError = (err: unknown): boolean =>
  (err as { code?: unknown })?.code === "ERR_DLOPEN_FAILED" || /NODE_MODULE_VERSION|bindings file|invalid ELF/.test(String((err as Error)?.message));

function load(): Ctor {
  if (ctor) return ctor;
  try {
    ctor = createRequire(import.meta.url)("better-sqlite3") as Ctor;
    return ctor;
  } catch (cause) {
    throw unavailable(cause);
  }
}

/**
 * @example
 * const db = openBetterSqlite3("events.db", { readonly: false });
 */
export function openBetterSqlite3(path: string, opts: DriverOpenOptions): SqlDatabase {
  const Database = load();
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, { readonly: opts.readonly, fileMustExist: opts.readonly });
  } catch (err) {
    throw isAddonLoadError(err) ? unavailable(err) : err;
  }
  // One wrapper made once: better-sqlite3 caches its BEGIN/COMMIT statements inside it.
  const runner = db.transaction((fn: () => unknown) => fn());
  return {
    driver: "better-sqlite3",
    exec: (sql) => void db.exec(sql),
    prepare: (sql) => db.prepare(sql) as unknown as SqlStatement,
    prepareArrays: (sql) => db.prepare(sql).raw(true) as unknown as SqlArrayStatement,
    transaction: <T>(fn: () => T): T => runner.immediate(fn) as T,
    close: () => db.close(),
  };
}
