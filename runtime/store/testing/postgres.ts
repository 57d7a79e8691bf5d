/**
 * A real PostgreSQL for tests. The server is CLAW_TEST_PG_URL (CI exports it from
 * scripts/pg-test-server.sh), else this starts one with that script (Debian's pg_ctlcluster; works
 * as root where the postgresql package is installed). When none can be had, tests skip with the
 * reason — except under CI=true, where that is a failure. Each test gets a database of its own,
 * dropped after the test file.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { after } from "node:test";
import pg from "pg";

const script = fileURLToPath(new URL("../../../scripts/pg-test-server.sh", import.meta.url));

let cached: { url: string } | { reason: string } | undefined;

/**
 * The server URL, or why there is none. Starting the server runs at most once per process.
 * @example
 * const server = testPostgresServer(); if ("reason" in server) test.skip(server.reason);
 */
export function testPostgresServer(): { url: string } | { reason: string } {
  if (cached) return cached;
  const env = process.env.CLAW_TEST_PG_URL;
  if (env) return (cached = { url: env });
  const res = spawnSync("bash", [script], { encoding: "utf8", timeout: 120_000 });
  const url = res.stdout?.trim().split("\n").pop() ?? "";
  if (res.status === 0 && /^postgres:\/\//.test(url)) {
    process.env.CLAW_TEST_PG_URL = url;
    return (cached = { url });
  }
  const why = (res.stderr || res.error?.message || `exit ${res.status}`).trim().split("\n").slice(-2).join(" ");
  return (cached = { reason: `no PostgreSQL for the tests: CLAW_TEST_PG_URL is unset and scripts/pg-test-server.sh failed (${why})` });
}

/**
 * The `skip` option for a describe() that needs PostgreSQL: false when there is a server, the
 * reason when there is none, and a thrown error under CI=true (CI must not pass without it).
 * @example
 * describe("pg store", { skip: postgresSkip() }, () => { ... });
 */
export function postgresSkip(): false | string {
  const server = testPostgresServer();
  if ("url" in server) return false;
  if (process.env.CI === "true" || process.env.CI === "1") {
    throw new Error(`${server.reason}. CI must run the PostgreSQL tests: .ci/run starts the server and exports CLAW_TEST_PG_URL.`);
  }
  return server.reason;
}

/**
 * A fresh, empty database on the test server; dropped (with its connections) after the test file.
 * @example
 * const url = await freshDatabase(); const store = await openPostgresStore({ url });
 */
export async function freshDatabase(): Promise<string> {
  const server = testPostgresServer();
  if (!("url" in server)) throw new Error(server.reason);
  const name = `claw_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try { await admin.query(`CREATE DATABASE ${name}`); } finally { await admin.end(); }
  after(async () => {
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try { await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } finally { await c.end(); }
  });
  const u = new URL(server.url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Ends a session from outside, as a crash or a network cut would (pg_terminate_backend).
 * @example
 * await terminateSession(url, Number(lease.session));
 */
export async function terminateSession(url: string, pid: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const ok = (await c.query("SELECT pg_terminate_backend($1) AS ok", [pid])).rows[0].ok;
    if (ok !== true) throw new Error(`pg_terminate_backend(${pid}) found no such session`);
  } finally { await c.end(); }
}
