/**
 * Which event log a read command (`claw replay`, `claw audit`, `claw log verify`) opens, SQLite file
 * or PostgreSQL database, and opening it read-only through the async store (runtime/store/async-open.ts).
 *
 * In this order: `--store-url URL` or `--db PATH` (not both); $CLAW_STORE_URL; $CLAW_DB; `store.url` of
 * the config (`--config FILE`, else ./claw.config.ts when there is one); the local market's log in
 * `.claw/dev.json`; `.claw/events.db`. The environment beats the config file, as it does for `claw start`.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig } from "../../../config/load.ts";
import { ClawError } from "../../core/errors.ts";
import { openAsyncStore } from "../../store/async-open.ts";
import type { AsyncEventStore } from "../../store/async-types.ts";
import { locateStore } from "../../store/locate.ts";
import { isPostgresUrl } from "../../store/pg/errors.ts";

export type LogSource =
  | { kind: "postgres"; url: string; source: "--store-url" | "CLAW_STORE_URL" | "store.url" }
  | { kind: "sqlite"; path: string; source: "--db" | "CLAW_DB" | ".claw/dev.json" | "default" };

export type LogFlags = { db?: string; storeUrl?: string; config?: string };

const MAX_URL = 2048;

function postgres(url: string, source: "--store-url" | "CLAW_STORE_URL" | "store.url"): LogSource {
  if (url.length > MAX_URL || !isPostgresUrl(url)) {
    throw new ClawError("CONFIG_INVALID", {
      message: `${source} must be a PostgreSQL URL (postgres://user:password@host[:port]/database, at most ${MAX_URL} characters); for a SQLite file use --db PATH.`,
    });
  }
  return { kind: "postgres", url, source };
}

/**
 * @example
 * await locateLog({ storeUrl: "postgres://claw:pw@db/claw" }, process.env, process.cwd()) // { kind: "postgres", url, source: "--store-url" }
 */
export async function locateLog(flags: LogFlags, env: Record<string, string | undefined>, cwd: string): Promise<LogSource> {
  if (flags.db !== undefined && flags.storeUrl !== undefined) {
    throw new ClawError("CONFIG_INVALID", { message: "Give either --db (a SQLite file) or --store-url (a PostgreSQL database), not both." });
  }
  if (flags.storeUrl !== undefined) return postgres(flags.storeUrl, "--store-url");
  if (flags.db !== undefined) return { kind: "sqlite", ...locateStore({ db: flags.db, env, cwd }) } as LogSource;
  if (env.CLAW_STORE_URL) return postgres(env.CLAW_STORE_URL, "CLAW_STORE_URL");
  if (!env.CLAW_DB) {
    const file = resolve(cwd, flags.config ?? "claw.config.ts");
    if (flags.config !== undefined || existsSync(file)) {
      // The environment was applied above; the file alone decides here.
      const url = (await loadConfig({ file, cwd, env: {} })).store.url;
      if (url !== undefined) return postgres(url, "store.url");
    }
  }
  return { kind: "sqlite", ...locateStore({ env, cwd }) } as LogSource;
}

export type OpenedLog = { store: AsyncEventStore; source: LogSource; /** a file path, or the URL without its password */ location: string };

/**
 * Opens the located log read-only. Close it with `store.close()`.
 * @example
 * const { store, location } = await openLogForReading(await locateLog(opts, process.env, process.cwd()));
 */
export async function openLogForReading(source: LogSource): Promise<OpenedLog> {
  if (source.kind === "sqlite") {
    return { store: await openAsyncStore({ path: source.path, readonly: true }), source, location: source.path };
  }
  const store = await openAsyncStore({ url: source.url, readonly: true });
  try {
    return { store, source, location: (await store.info()).location };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The options the three read commands share. */
export const logOptionHelp = {
  db: "the SQLite log file (default: $CLAW_DB, the local market's log, else .claw/events.db)",
  storeUrl: "a PostgreSQL log, postgres://user:password@host/db (default: $CLAW_STORE_URL, else the config's store.url)",
  config: "config file whose store.url names a PostgreSQL log (default: ./claw.config.ts when present)",
};
