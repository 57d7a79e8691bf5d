/**
 * What opening the PostgreSQL store says when the database is not what it should be: each a
 * ClawError naming the database (never its password) and what to do.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pg from "pg";
import { isClawError, type ErrorCode } from "../../core/errors.ts";
import { jobStarted } from "../../core/events.ts";
import { freshDatabase, postgresSkip, testPostgresServer } from "../testing/postgres.ts";
import { openPostgresStore } from "./pg-store.ts";

const clear = (code: ErrorCode, pattern: RegExp) => (err: unknown) => {
  assert.ok(isClawError(err), String(err));
  assert.equal(err.code, code, err.message);
  assert.match(err.message, pattern);
  assert.doesNotMatch(err.message, /:claw@|secret-pw/, "no password in the message");
  return true;
};

async function sql(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { await c.query(text); } finally { await c.end(); }
}

describe("PostgreSQL store: bad databases", { skip: postgresSkip() }, () => {
  const server = () => (testPostgresServer() as { url: string }).url;
  const withUrl = (edit: (u: URL) => void) => { const u = new URL(server()); edit(u); return u.toString(); };

  test("a wrong password: STORE_IO saying the login was refused", async () => {
    await assert.rejects(openPostgresStore({ url: withUrl((u) => { u.password = "secret-pw"; }) }), clear("STORE_IO", /refused the login.*store\.url/));
  });

  test("no such database: STORE_NOT_FOUND", async () => {
    await assert.rejects(openPostgresStore({ url: withUrl((u) => { u.pathname = "/claw_no_such_db"; }) }), clear("STORE_NOT_FOUND", /does not exist/));
  });

  test("nothing listening: STORE_IO saying it cannot be reached", async () => {
    await assert.rejects(openPostgresStore({ url: withUrl((u) => { u.port = "1"; }) }), clear("STORE_IO", /cannot be reached/));
  });

  test("another application's events table: STORE_CORRUPT, nothing changed", async () => {
    const url = await freshDatabase();
    await sql(url, "CREATE TABLE events (id int)");
    await assert.rejects(openPostgresStore({ url }), clear("STORE_CORRUPT", /not a ClawCompute event log/));
  });

  test("a schema from a newer version: STORE_TOO_NEW naming the migration", async () => {
    const url = await freshDatabase();
    await (await openPostgresStore({ url })).close();
    await sql(url, "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (2, '002_future.sql', 'x', 0)");
    for (const readonly of [false, true]) {
      await assert.rejects(openPostgresStore({ url, readonly }), clear("STORE_TOO_NEW", /002_future\.sql.*Upgrade/));
    }
  });

  test("read-only: an empty database is STORE_NOT_FOUND; a read-only store refuses writes and reads", async () => {
    const url = await freshDatabase();
    await assert.rejects(openPostgresStore({ url, readonly: true }), clear("STORE_NOT_FOUND", /no event log yet/));
    const rw = await openPostgresStore({ url });
    await rw.append(jobStarted({ jobId: "j", streamId: 1n, queuedMs: 0 }));
    await rw.close();
    const ro = await openPostgresStore({ url, readonly: true });
    await assert.rejects(ro.append(jobStarted({ jobId: "k", streamId: 1n, queuedMs: 0 })), clear("STORE_READ_ONLY", /read-only/));
    assert.equal((await ro.verify()).checked, 1);
    await ro.close();
    await assert.rejects(ro.read(), clear("STORE_CLOSED", /closed/));
  });
});
