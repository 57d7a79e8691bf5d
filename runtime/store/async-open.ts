/**
 * Opens the async event store the configuration names: a postgres:// URL selects PostgreSQL,
 * anything else is a SQLite file path (the embedded default).
 */
import type { AsyncEventStore } from "./async-types.ts";
import { openSqliteAsyncStore } from "./async-sqlite.ts";
import type { DriverChoice } from "./driver.ts";
import { isPostgresUrl } from "./pg/errors.ts";
import type { Durability } from "./types.ts";

export type AsyncStoreOptions = {
  /** postgres://… selects PostgreSQL; otherwise give `path`. */
  url?: string;
  /** The SQLite file (when no postgres URL is given). */
  path?: string;
  readonly?: boolean;
  /** SQLite only. */
  driver?: DriverChoice;
  durability?: Durability;
  /** PostgreSQL only. */
  poolSize?: number;
  pollMs?: number;
  leaderHeartbeatMs?: number;
};

/**
 * @example
 * const store = await openAsyncStore({ url: process.env.CLAW_STORE_URL, path: ".claw/events.db" });
 */
export async function openAsyncStore(o: AsyncStoreOptions): Promise<AsyncEventStore> {
  if (o.url !== undefined && isPostgresUrl(o.url)) {
    // Loaded only when asked for: SQLite users never load pg.
    const { openPostgresStore } = await import("./pg/pg-store.ts");
    return openPostgresStore({ url: o.url, readonly: o.readonly, poolSize: o.poolSize, pollMs: o.pollMs, leaderHeartbeatMs: o.leaderHeartbeatMs });
  }
  const path = o.path ?? o.url;
  if (path === undefined) throw new TypeError("openAsyncStore: give a postgres:// url or a SQLite path");
  return openSqliteAsyncStore({ path, readonly: o.readonly, driver: o.driver, durability: o.durability, pollMs: o.pollMs });
}
