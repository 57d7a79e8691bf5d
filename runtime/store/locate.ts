/**
 * Which log file a read command (`claw replay`, `audit`, `log verify`) opens when no --db is given:
 * $CLAW_DB, else the local market's log named in the nearest `.claw/dev.json` (written by `npm start`),
 * else the default store path `.claw/events.db` (claw.config.ts's default `store.path`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defaultStorePath } from "./open.ts";

export type LocatedStore = { path: string; source: "--db" | "CLAW_DB" | ".claw/dev.json" | "default" };

/**
 * @example
 * locateStore({ db: opts.db, env: process.env, cwd: process.cwd() }) // { path: "/srv/claw/.claw/events.db", source: "default" }
 */
export function locateStore(o: { db?: string; env: Record<string, string | undefined>; cwd: string }): LocatedStore {
  if (o.db) return { path: resolve(o.cwd, o.db), source: "--db" };
  if (o.env.CLAW_DB) return { path: resolve(o.cwd, o.env.CLAW_DB), source: "CLAW_DB" };
  const candidates = o.env.CLAW_DEV_INFO ? [resolve(o.cwd, o.env.CLAW_DEV_INFO)] : [];
  if (!o.env.CLAW_DEV_INFO) {
    for (let dir = resolve(o.cwd); ; dir = dirname(dir)) {
      candidates.push(join(dir, ".claw", "dev.json"));
      if (dirname(dir) === dir) break;
    }
  }
  const devInfo = candidates.find((p) => existsSync(p));
  if (devInfo) {
    try {
      const store = (JSON.parse(readFileSync(devInfo, "utf8")) as { store?: unknown }).store;
      if (typeof store === "string" && store !== "") return { path: resolve(dirname(devInfo), "..", store), source: ".claw/dev.json" };
    } catch {
      // A damaged dev.json is not the log; fall through to the default path.
    }
  }
  return { path: resolve(o.cwd, defaultStorePath), source: "default" };
}
