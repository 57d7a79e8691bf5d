/**
 * The async event store on both drivers side by side (part of `npm run bench:store`, or alone:
 * `npx tsx bench/store-async.ts`): SQLite (better-sqlite3, a temp file) and PostgreSQL (a fresh
 * database on CLAW_TEST_PG_URL, else the server scripts/pg-test-server.sh starts). Same workload on
 * each, through the AsyncEventStore interface.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import * as ev from "../runtime/core/events.ts";
import { createAsyncGroupCommitter } from "../runtime/store/async-group-commit.ts";
import { openSqliteAsyncStore } from "../runtime/store/async-sqlite.ts";
import type { AsyncEventStore } from "../runtime/store/async-types.ts";
import { openPostgresStore } from "../runtime/store/pg/pg-store.ts";

const BATCHED = 50_000;
const SINGLE = 1_000;
const CONCURRENT = 4_000;
const IN_FLIGHT = 32;
const ADMITS = 1_000;

export type AsyncResult = {
  driver: string;
  batchedAppendEventsPerSecond: number;
  singleAppend: { perSecond: number; p50Ms: number; p99Ms: number };
  concurrentAppendsPerSecond: number;
  concurrentGroupCommitAppendsPerSecond: number;
  admitJobsPerSecond: number;
  replayEventsPerSecond: number;
  verifyEventsPerSecond: number;
  events: number;
};

const started = (i: number) => ev.jobStarted({ jobId: `j${i}`, streamId: 7n, queuedMs: 1 });
const accepted = (i: number) =>
  ev.jobAccepted({ jobId: `a${i}`, streamId: 9n, offering: "echo-1", providerId: 1n, nonce: BigInt(i), bodyHash: "0x01", signer: "0xa", pricePerSecond: 10n, task: "chat" });
const perSecond = (n: number, ms: number) => Math.round((n * 1000) / ms);
const pct = (xs: number[], p: number) => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]! * 1000) / 1000;

async function measure(driver: string, open: () => Promise<AsyncEventStore>): Promise<AsyncResult> {
  const a = await open();
  const b = await open();
  let n = 0;
  let t = performance.now();
  for (let i = 0; i < BATCHED; i += 1000) await a.append(Array.from({ length: 1000 }, () => started(n++)));
  const batched = perSecond(BATCHED, performance.now() - t);

  const lat: number[] = [];
  t = performance.now();
  for (let i = 0; i < SINGLE; i++) {
    const s = performance.now();
    await a.append(started(n++));
    lat.push(performance.now() - s);
  }
  const single = { perSecond: perSecond(SINGLE, performance.now() - t), p50Ms: pct(lat, 0.5), p99Ms: pct(lat, 0.99) };

  // Two instances, IN_FLIGHT appends pending at any time, one event each (no group commit).
  t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, w) => {
    while (next < CONCURRENT) { next++; await (w % 2 ? a : b).append(started(n++)); }
  }));
  const concurrent = perSecond(CONCURRENT, performance.now() - t);

  // The same through one group committer per instance (what the runtime's journal does).
  const ga = createAsyncGroupCommitter(a);
  const gb = createAsyncGroupCommitter(b);
  t = performance.now();
  next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, w) => {
    while (next < CONCURRENT) { next++; await (w % 2 ? ga : gb).append(started(n++)); }
  }));
  const grouped = perSecond(CONCURRENT, performance.now() - t);

  t = performance.now();
  let k = 0;
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    while (k < ADMITS) { const i = k++; await (w % 2 ? a : b).admitJob(accepted(i), { slot: { capacity: 1000, holder: "bench", ttlMs: 60_000 } }); }
  }));
  const admits = perSecond(ADMITS, performance.now() - t);

  const events = await a.lastPosition();
  let replay = 0;
  let verify = 0;
  for (let r = 0; r < 3; r++) {
    t = performance.now();
    await a.replay((c: number) => c + 1, 0);
    replay = Math.max(replay, perSecond(events, performance.now() - t));
    t = performance.now();
    const v = await b.verify();
    if (!v.ok || v.checked !== events) throw new Error(`${driver}: verify failed: ${JSON.stringify(v)}`);
    verify = Math.max(verify, perSecond(events, performance.now() - t));
  }
  await a.close();
  await b.close();
  return { driver, batchedAppendEventsPerSecond: batched, singleAppend: single, concurrentAppendsPerSecond: concurrent, concurrentGroupCommitAppendsPerSecond: grouped, admitJobsPerSecond: admits, replayEventsPerSecond: replay, verifyEventsPerSecond: verify, events };
}

function serverUrl(): string | undefined {
  if (process.env.CLAW_TEST_PG_URL) return process.env.CLAW_TEST_PG_URL;
  const res = spawnSync("bash", [resolve(import.meta.dirname, "../scripts/pg-test-server.sh")], { encoding: "utf8" });
  const url = res.stdout.trim().split("\n").pop();
  return res.status === 0 && url ? url : undefined;
}

/**
 * @example
 * const runs = await measureAsyncStores(); // [{ driver: "better-sqlite3", ... }, { driver: "postgres", ... }]
 */
export async function measureAsyncStores(): Promise<{ runs: AsyncResult[]; skipped?: string }> {
  const dir = mkdtempSync(join(tmpdir(), "claw-bench-async-"));
  const runs: AsyncResult[] = [];
  try {
    const path = join(dir, "events.db");
    runs.push(await measure("better-sqlite3", async () => openSqliteAsyncStore({ path, driver: "better-sqlite3" })));
  } finally { rmSync(dir, { recursive: true, force: true }); }
  const server = serverUrl();
  if (!server) return { runs, skipped: "postgres: no server (set CLAW_TEST_PG_URL or install postgresql)" };
  const name = `claw_bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const u = new URL(server);
    u.pathname = `/${name}`;
    runs.push(await measure("postgres", () => openPostgresStore({ url: u.toString(), poolSize: 8 })));
  } finally {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  }
  return { runs };
}

/** Prints the two drivers side by side. */
export function printAsync(r: { runs: AsyncResult[]; skipped?: string }): void {
  const f = (x: number) => x.toLocaleString("en-US");
  const rows: Array<[string, (x: AsyncResult) => string]> = [
    [`batched append (1000/append, ${f(BATCHED)} ev)`, (x) => `${f(x.batchedAppendEventsPerSecond)} ev/s`],
    ["single append, one at a time", (x) => `${f(x.singleAppend.perSecond)}/s p50 ${x.singleAppend.p50Ms} p99 ${x.singleAppend.p99Ms} ms`],
    [`single appends, ${IN_FLIGHT} in flight, 2 instances`, (x) => `${f(x.concurrentAppendsPerSecond)}/s`],
    [`the same through group commit`, (x) => `${f(x.concurrentGroupCommitAppendsPerSecond)}/s`],
    ["admitJob (nonce + slot), 8 in flight", (x) => `${f(x.admitJobsPerSecond)}/s`],
    ["replay (decode + fold)", (x) => `${f(x.replayEventsPerSecond)} ev/s`],
    ["verify the hash chain", (x) => `${f(x.verifyEventsPerSecond)} ev/s`],
  ];
  console.log(`\n[async store, both drivers]  ${r.runs.map((x) => x.driver).join(" | ")}`);
  for (const [label, cell] of rows) console.log(`${label.padEnd(44)} ${r.runs.map((x) => cell(x).padEnd(36)).join(" ")}`);
  if (r.skipped) console.log(`(${r.skipped})`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Alone (npx tsx bench/store-async.ts) it only prints; `npm run bench:store` records it in bench/results/store.json.
  printAsync(await measureAsyncStores());
}
