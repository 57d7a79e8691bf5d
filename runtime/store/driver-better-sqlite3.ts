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

function load(): Ctor {
  if (ctor) return ctor;
  try {
    ctor = createRequire(import.meta.url)("better-sqlite3") as Ctor;
    return ctor;
  } catch (cause) {
    throw new ClawError("STORE_DRIVER_UNAVAILABLE", {
      message: `better-sqlite3 cannot be loaded in this runtime (${(cause as Error).message.split("\n")[0]}). ` +
        `Rebuild it for this Node (npm rebuild better-sqlite3) or use driver "node:sqlite" (Node >= 22.5, Deno).`,
      cause,
    });
  }
}

/**
 * @example
 * const db = openBetterSqlite3("events.db", { readonly: false });
 */
export function openBetterSqlite3(path: string, opts: DriverOpenOptions): SqlDatabase {
  const Database = load();
  const db = new Database(path, { readonly: opts.readonly, fileMustExist: opts.readonly });
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
