/**
 * `claw log verify` and `claw replay` on either store, through the real CLI: the same events written
 * through the async store into a SQLite file and into a real PostgreSQL database must give the same
 * replay and the same hash chain head, whichever way the PostgreSQL log is named (--store-url,
 * CLAW_STORE_URL, store.url in the config); a tampered PostgreSQL row fails verify with its position.
 * Skips without a PostgreSQL server (fails under CI=true: runtime/store/testing/postgres.ts).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import type { NewEvent } from "../runtime/core/events.ts";
import { sampleEvents } from "../runtime/core/testing/sample-events.ts";
import { openAsyncStore } from "../runtime/store/async-open.ts";
import { freshDatabase, postgresSkip } from "../runtime/store/testing/postgres.ts";

const cli = resolve(import.meta.dirname, "../runtime/cli/bin.mjs");
// Fixed times, so both drivers hash the same columns and must reach the same head.
const events: NewEvent[] = [...sampleEvents(7n), ...sampleEvents(8n, 2).slice(2, 9)].map((e, i) => ({ ...e, time: 1_760_000_000_000 + i * 1000 }));

async function fill(where: { url?: string; path?: string }): Promise<number> {
  const store = await openAsyncStore(where);
  try { return (await store.append(events)).stored.length; } finally { await store.close(); }
}
let n = 0; // events stored (the same on both drivers)

const skip = postgresSkip();
// At the top level: freshDatabase() drops its database after the test file (inside before() it would be after the hook).
const url = skip ? "" : await freshDatabase();

describe("claw replay and claw log verify on PostgreSQL and SQLite", { skip, timeout: 120_000 }, () => {
  let dir: string;
  let db: string;
  const claw = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [cli, ...args],
    { cwd: dir, encoding: "utf8", env: { ...process.env, CLAW_DEV_INFO: join(dir, "none.json"), CLAW_STORE_URL: "", CLAW_DB: "", ...env } });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "claw-cli-pg-"));
    db = join(dir, "events.db");
    n = await fill({ url });
    assert.equal(await fill({ path: db }), n);
    assert.ok(n > 10);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the same log on both drivers: same replay, same chain head; the password is never printed", () => {
    const sqlite = claw({}, "replay", "--db", db, "--json");
    const postgres = claw({}, "replay", "--store-url", url, "--json");
    assert.equal(sqlite.status, 0, sqlite.stderr);
    assert.equal(postgres.status, 0, postgres.stderr);
    const [a, b] = [JSON.parse(sqlite.stdout), JSON.parse(postgres.stdout)];
    assert.deepEqual([a.log.driver, b.log.driver], ["better-sqlite3", "postgres"]);
    assert.equal(b.log.events, n);
    assert.deepEqual({ ...b, log: undefined }, { ...a, log: undefined }, "identical projections");
    const password = new URL(url).password;
    assert.ok(password && !postgres.stdout.includes(`:${password}@`) && postgres.stdout.includes(":***@"), "the password is masked");

    const vs = JSON.parse(claw({}, "log", "verify", "--db", db, "--json").stdout);
    const vp = JSON.parse(claw({}, "log", "verify", "--store-url", url, "--json").stdout);
    assert.deepEqual([vp.ok, vp.checked, vp.lastPosition], [true, n, n]);
    assert.equal(vp.head, vs.head, "one hash chain, whichever driver stored it");
  });

  test("the PostgreSQL log is found through CLAW_STORE_URL and the config's store.url; flags win", () => {
    const byEnv = claw({ CLAW_STORE_URL: url }, "replay", "--until", "6", "--json");
    assert.equal(byEnv.status, 0, byEnv.stderr);
    assert.deepEqual([JSON.parse(byEnv.stdout).log.driver, JSON.parse(byEnv.stdout).log.position], ["postgres", 6]);
    // A provider's project folder: package.json says ES modules (without it Node cannot load a .ts config from the CLI).
    writeFileSync(join(dir, "package.json"), `{ "type": "module" }\n`);
    writeFileSync(join(dir, "claw.config.ts"),
      `export default { offerings: [{ model: "echo-1", backend: "echo", pricePerSecond: "1000" }], store: { url: ${JSON.stringify(url)} } };\n`);
    try {
      const byConfig = claw({}, "log", "verify");
      assert.equal(byConfig.status, 0, byConfig.stderr);
      assert.match(byConfig.stdout, new RegExp(`^ok: postgres://claw:\\*\\*\\*@.*: ${n} events, hash chain intact \\(head [0-9a-f]{64}\\)`));
      assert.match(claw({ CLAW_DB: db }, "log", "verify").stdout, new RegExp(`^ok: .*events\\.db: ${n} events`), "the environment beats the config file");
      assert.match(claw({}, "log", "verify", "--db", db).stdout, new RegExp(`^ok: .*events\\.db: ${n} events`), "--db beats the config");
      const text = claw({}, "replay");
      assert.match(text.stdout, new RegExp(`log postgres://.*: ${n} events replayed`));
      assert.match(text.stdout, /refused requests: NONCE_REPLAYED 2, SIGNATURE_MISSING 1/);
    } finally {
      rmSync(join(dir, "claw.config.ts"));
      rmSync(join(dir, "package.json"));
    }
  });

  test("bad store options are usage errors (exit 3) naming what to give", () => {
    const both = claw({}, "replay", "--db", db, "--store-url", url);
    assert.equal(both.status, 3);
    assert.match(both.stderr, /either --db .* or --store-url/);
    const notPg = claw({}, "log", "verify", "--store-url", "mysql://a:b@127.0.0.1/x");
    assert.equal(notPg.status, 3);
    assert.match(notPg.stderr, /--store-url must be a PostgreSQL URL/);
    const envBad = claw({ CLAW_STORE_URL: "/var/lib/events.db" }, "replay");
    assert.equal(envBad.status, 3);
    assert.match(envBad.stderr, /CLAW_STORE_URL must be a PostgreSQL URL/);
  });

  test("nothing listening: a clear store error and exit 1, without the password", () => {
    const r = claw({}, "replay", "--store-url", "postgres://claw:sekrit-pw@127.0.0.1:1/claw");
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /STORE_/);
    assert.ok(!r.stderr.includes("sekrit-pw"), r.stderr);
  });

  test("a row changed behind the store's back: verify exits 1 naming the position", async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query("ALTER TABLE events DISABLE TRIGGER USER");
      await c.query("UPDATE events SET time = time + 1 WHERE position = 6");
      await c.query("ALTER TABLE events ENABLE TRIGGER USER");
    } finally { await c.end(); }
    const r = claw({}, "log", "verify", "--store-url", url);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /BROKEN: postgres:\/\/.* position 6: .*Events 1\.\.5 verify/);
  });
});
