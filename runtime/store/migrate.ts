/**
 * Schema from numbered SQL files (migrations/001_*.sql, ...), applied at open in order, each in
 * its own transaction and recorded in `schema_migrations` (version, file name, sha256, time).
 * A file that is not ours, or was written by a newer version, is refused before anything is
 * written to it.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ClawError } from "../core/errors.ts";
import type { SqlDatabase } from "./driver.ts";

export type Migration = { version: number; name: string; sql: string; sha256: string };

/** `PRAGMA application_id` of a ClawCompute log: "CLAW" in ASCII. */
export const CLAW_APPLICATION_ID = 0x434c4157;

export const defaultMigrationsDir = fileURLToPath(new URL("../../migrations/", import.meta.url));

const cache = new Map<string, Migration[]>();

/**
 * Reads `NNN_name.sql` files from `dir`, sorted; versions must run 1, 2, 3 ... without gaps.
 * @example
 * loadMigrations().map((m) => m.name) // ["001_event_log.sql", "002_cursors.sql", "003_slots_leaders.sql"]
 */
export function loadMigrations(dir: string = defaultMigrationsDir): Migration[] {
  const hit = cache.get(dir);
  if (hit) return hit;
  const files = readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const list = files.map((name, i) => {
    const version = Number(name.slice(0, 3));
    if (version !== i + 1) throw new Error(`migrations: expected version ${i + 1}, found ${name} in ${dir}`);
    const sql = readFileSync(join(dir, name), "utf8");
    return { version, name, sql, sha256: createHash("sha256").update(sql).digest("hex") };
  });
  cache.set(dir, list);
  return list;
}

type Applied = { version: number; name: string };

/** What kind of file this is, without writing to it. Throws STORE_CORRUPT for a foreign database. */
function inspect(db: SqlDatabase, file: string): { fresh: boolean; applied: Applied[] } {
  const appId = Number((db.prepare("PRAGMA application_id").get() as { application_id: number }).application_id);
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
    .map((r) => String(r.name));
  const ours = tables.includes("schema_migrations");
  if ((appId !== 0 && appId !== CLAW_APPLICATION_ID) || (tables.length > 0 && !ours)) {
    throw new ClawError("STORE_CORRUPT", {
      message: `${file} is a SQLite database but not a ClawCompute event log (application_id ${appId}, tables: ` +
        `${tables.join(", ") || "none"}). Nothing was changed. Point the store at another file.`,
      details: { file, applicationId: appId, tables },
    });
  }
  const applied = ours
    ? db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all()
      .map((r) => ({ version: Number(r.version), name: String(r.name) }))
    : [];
  return { fresh: tables.length === 0, applied };
}

function checkKnown(applied: Applied[], known: Migration[], file: string): void {
  const newest = known[known.length - 1];
  for (const a of applied) {
    const k = known[a.version - 1];
    if (k === undefined) {
      throw new ClawError("STORE_TOO_NEW", {
        message: `The event log ${file} was written by a newer ClawCompute: it has migration ${a.name} (schema version ` +
          `${a.version}), and this version knows only up to ${newest?.name ?? "none"}. Upgrade ClawCompute to open it; ` +
          `the file was not changed.`,
        details: { file, migration: a.name, version: a.version, known: newest?.name ?? null },
      });
    }
    if (k.name !== a.name) {
      throw new ClawError("STORE_CORRUPT", {
        message: `The event log ${file} has migration ${a.name} as schema version ${a.version}, where this version has ` +
          `${k.name}: it comes from another branch of ClawCompute. Open it with the version that wrote it.`,
        details: { file, migration: a.name, expected: k.name },
      });
    }
  }
}

/**
 * Checks the file and, when writable, brings its schema up to date.
 * Returns the schema version and the migrations applied now.
 * @example
 * const { version, appliedNow } = prepareSchema(db, "events.db", { readonly: false });
 */
export function prepareSchema(
  db: SqlDatabase, file: string, opts: { readonly: boolean; migrations?: Migration[]; beforeWrite?: () => void },
): { version: number; appliedNow: string[] } {
  const known = opts.migrations ?? loadMigrations();
  const { fresh, applied } = inspect(db, file);
  checkKnown(applied, known, file);
  if (opts.readonly) {
    if (fresh) {
      throw new ClawError("STORE_NOT_FOUND", { message: `${file} holds no event log yet (an empty database).`, details: { file } });
    }
    return { version: applied.length, appliedNow: [] };
  }
  opts.beforeWrite?.();
  const appliedNow: string[] = [];
  for (const m of known.slice(applied.length)) {
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
        sha256 TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT`);
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)")
        .run(m.version, m.name, m.sha256, Date.now());
      db.exec(`PRAGMA application_id = ${CLAW_APPLICATION_ID}`);
      db.exec(`PRAGMA user_version = ${m.version}`);
    });
    appliedNow.push(m.name);
  }
  return { version: known.length, appliedNow };
}
