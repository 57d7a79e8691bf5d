/**
 * The async store's contract (testing/contract.ts) on every driver: SQLite through
 * better-sqlite3 and node:sqlite (each skipped with the reason where it cannot load), and a real
 * PostgreSQL (scripts/pg-test-server.sh; skipped with the reason only outside CI when no server can
 * be started).
 */
import { join } from "node:path";
import { describe } from "node:test";
import pg from "pg";
import { openSqliteAsyncStore } from "./async-sqlite.ts";
import { runStoreContract } from "./testing/contract.ts";
import { openDriver } from "./driver.ts";
import { openPostgresStore } from "./pg/pg-store.ts";
import { forEachDriver, tempDir } from "./testing/drivers.ts";
import { freshDatabase, postgresSkip, terminateSession } from "./testing/postgres.ts";

const INSERT = "INSERT INTO events (position, type, v, key, time, dedupe, data, hash) VALUES ";

forEachDriver("async store contract", (driver) => {
  const dir = tempDir();
  let n = 0;
  runStoreContract({
    concurrentWriters: false,
    async freshLog() {
      const path = join(dir, `c${++n}.db`);
      const raw = () => openDriver(path, driver, { readonly: false });
      return {
        open: async () => openSqliteAsyncStore({ path, driver, pollMs: 20 }),
        // A crash of the holder's process, within one process: its store closes without releasing.
        killLeader: (store) => store.close(),
        async beginRawInsert(r) {
          const db = raw();
          db.exec("PRAGMA busy_timeout = 5000");
          db.exec("BEGIN IMMEDIATE");
          db.prepare(`${INSERT}(?, ?, 1, ?, ?, NULL, ?, ?)`).run(r.position, r.type, r.key, r.time, r.data, r.hash);
          return { commit: async () => { db.exec("COMMIT"); db.close(); } };
        },
        async tamper(position) {
          const db = raw();
          db.exec("DROP TRIGGER events_no_update");
          db.prepare("UPDATE events SET time = time + 1 WHERE position = ?").run(position);
          db.close();
        },
        async rawUpdate() {
          const db = raw();
          try { db.exec("UPDATE events SET time = 0 WHERE position = 1"); return "no error"; } catch (err) { return (err as Error).message; } finally { db.close(); }
        },
      };
    },
  });
});

// A hung connection fails the suite instead of hanging CI.
describe("async store contract [postgres]", { skip: postgresSkip(), timeout: 180_000 }, () => {
  runStoreContract({
    concurrentWriters: true,
    async freshLog() {
      const url = await freshDatabase();
      const client = async () => { const c = new pg.Client({ connectionString: url }); await c.connect(); return c; };
      return {
        open: () => openPostgresStore({ url, pollMs: 20, leaderHeartbeatMs: 200, poolSize: 4 }),
        killLeader: (_store, lease) => terminateSession(url, Number(lease.session)),
        async beginRawInsert(r) {
          const c = await client();
          await c.query("BEGIN");
          await c.query(`${INSERT}($1, $2, 1, $3, $4, NULL, $5, $6)`, [r.position, r.type, r.key, r.time, r.data, r.hash]);
          return { commit: async () => { await c.query("COMMIT"); await c.end(); } };
        },
        async tamper(position) {
          const c = await client();
          await c.query("ALTER TABLE events DISABLE TRIGGER USER");
          await c.query("UPDATE events SET time = time + 1 WHERE position = $1", [position]);
          await c.query("ALTER TABLE events ENABLE TRIGGER USER");
          await c.end();
        },
        async rawUpdate() {
          const c = await client();
          try { await c.query("UPDATE events SET time = 0 WHERE position = 1"); return "no error"; } catch (err) { return (err as Error).message; } finally { await c.end(); }
        },
      };
    },
  });
});
