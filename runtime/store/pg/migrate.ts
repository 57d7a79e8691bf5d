/**
 * Schema on PostgreSQL: numbered files in migrations/postgres/, applied in order, each in its own
 * transaction and recorded in `schema_migrations`, like the SQLite log's. Several instances start
 * together against one database, so migrating holds a session advisory lock: one migrates, the
 * others wait and then find nothing to do.
 */
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { ClawError } from "../../core/errors.ts";
import { loadMigrations, type Migration } from "../migrate.ts";
import { LOCK_CLASS, LOCK_MIGRATE } from "./locks.ts";

export const postgresMigrationsDir = fileURLToPath(new URL("../../../migrations/postgres/", import.meta.url));

type Applied = { version: number; name: string };

async function applied(client: pg.PoolClient, where: string): Promise<Applied[]> {
  const tables = (await client.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()")).rows.map((r) => r.name);
  if (!tables.includes("schema_migrations")) {
    if (tables.includes("events")) {
      throw new ClawError("STORE_CORRUPT", {
        message: `The database ${where} has an events table but no schema_migrations: it is not a ClawCompute event log. ` +
          `Nothing was changed. Point store.url at another database (or schema).`,
        details: { database: where, tables },
      });
    }
    return [];
  }
  return (await client.query<{ version: number; name: string }>("SELECT version, name FROM schema_migrations ORDER BY version")).rows;
}

function checkKnown(done: Applied[], known: Migration[], where: string): void {
  for (const a of done) {
    const k = known[a.version - 1];
    if (k === undefined || k.name !== a.name) {
      throw new ClawError(k === undefined ? "STORE_TOO_NEW" : "STORE_CORRUPT", {
        message: k === undefined
          ? `The event log in ${where} was written by a newer ClawCompute: it has migration ${a.name}, and this version knows ` +
            `only up to ${known[known.length - 1]?.name ?? "none"}. Upgrade ClawCompute (every instance); nothing was changed.`
          : `The event log in ${where} has migration ${a.name} as version ${a.version}, where this version has ${k.name}.`,
        details: { database: where, migration: a.name, version: a.version },
      });
    }
  }
}

/**
 * Checks the schema and, unless read-only, applies what is missing. Returns the schema version.
 * @example
 * const version = await preparePostgresSchema(client, "postgres://claw:***@db/claw", { readonly: false });
 */
export async function preparePostgresSchema(
  client: pg.PoolClient, where: string, opts: { readonly: boolean; migrations?: Migration[] },
): Promise<number> {
  const known = opts.migrations ?? loadMigrations(postgresMigrationsDir);
  if (opts.readonly) {
    const done = await applied(client, where);
    checkKnown(done, known, where);
    if (done.length === 0) throw new ClawError("STORE_NOT_FOUND", { message: `${where} holds no event log yet.`, details: { database: where } });
    return done.length;
  }
  await client.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASS, LOCK_MIGRATE]);
  try {
    const done = await applied(client, where);
    checkKnown(done, known, where);
    for (const m of known.slice(done.length)) {
      await client.query("BEGIN");
      try {
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
          sha256 TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES ($1, $2, $3, $4)",
          [m.version, m.name, m.sha256, Date.now()]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    }
    return known.length;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_CLASS, LOCK_MIGRATE]);
  }
}
