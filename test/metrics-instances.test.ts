/**
 * Per-instance metrics on a shared log: two provider runtimes (in-process startProvider, same wallet)
 * share ONE PostgreSQL log and each keeps a copy of all of it, yet each one's GET /metrics counts only
 * the jobs it served, so that Prometheus summing the instances counts every job once. A job written
 * to the log by another writer is in both copies and counted by neither. A runtime on its SQLite log
 * counts its jobs as before. Real anvil, real PostgreSQL, real HTTP. Skips without PostgreSQL.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Hex } from "viem";
import { jobAccepted, jobCompleted, jobStarted, type StoredEvent } from "../runtime/core/events.ts";
import type { RunningProvider } from "../runtime/provider/start.ts";
import { openAsyncStore } from "../runtime/store/async-open.ts";
import type { AsyncEventStore } from "../runtime/store/async-types.ts";
import { freshDatabase, postgresSkip } from "../runtime/store/testing/postgres.ts";
import { startMarket, type Market } from "./support/market.ts";
import { startSharedInstance } from "./support/shared-instance.ts";

const skip = postgresSkip();
const url = skip ? "" : await freshDatabase();
const PRICE = 1_000_000n;
const PATH = "/v1/chat/completions";
const JOB_EVENTS = ["JobAccepted", "JobStarted", "JobProgress", "JobCompleted", "JobFailed", "JobRejected"] as const;
const body = (tag: string) => JSON.stringify({ model: "echo-1", messages: [{ role: "user", content: `count me ${tag}` }] });

/** The sum of a metric's samples whose labels include `labels` (0 when it has none). */
async function metric(p: RunningProvider, name: string, labels: Record<string, string> = {}): Promise<number> {
  const base = p.app.metricsUrl();
  assert.ok(base, "the metrics listener is up");
  const text = await (await fetch(`${base}/metrics`)).text();
  return text.split("\n")
    .filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

describe("metrics of runtime instances sharing one PostgreSQL log", { skip, timeout: 120_000 }, () => {
  let m: Market;
  let log: AsyncEventStore;
  let a: RunningProvider;
  let b: RunningProvider;
  let sqlite: { before: number; after: number; inLog: number };

  const startInstance = (key: Hex) =>
    startSharedInstance(m, url, key, { offering: { model: "echo-1", tokensPerSecond: 100, pricePerSecond: PRICE }, idleSeconds: 3600 });
  async function openStream(slots: bigint) {
    const { streamId } = await m.openStream(m.account(4), { deposit: PRICE * slots * 3600n, duration: 3600n, providerId: a.offerings[0]!.providerId, recipient: a.clients.address });
    return { streamId, signer: m.directSigner(m.account(4), streamId) };
  }
  /** Serves one job on `p`; returns its job id. */
  async function serve(p: RunningProvider, signer: ReturnType<Market["directSigner"]>, tag: string): Promise<string> {
    const text = body(tag);
    const res = await fetch(`${p.url}${PATH}`, { method: "POST", body: text, headers: { "content-type": "application/json", ...(await signer.headers(text, { path: PATH })) } });
    assert.equal(res.status, 200, await res.clone().text());
    await res.text();
    return res.headers.get("x-claw-job")!;
  }
  /** Both copies hold everything the log has: every instance has seen every instance's events. */
  const caughtUp = () => Promise.all([a.runtimeStore.catchUp(), b.runtimeStore.catchUp()]);

  before(async () => {
    m = await startMarket();
    // The market's own runtime on its SQLite log (another wallet): one job, counted as before.
    const { streamId } = await m.openStream(m.account(5), { deposit: PRICE * 3600n, duration: 3600n, providerId: m.provider.offerings[0]!.providerId });
    const counted = await metric(m.provider, "claw_jobs_total", { outcome: "completed" });
    await serve(m.provider, m.directSigner(m.account(5), streamId), "sqlite");
    sqlite = { before: counted, after: await metric(m.provider, "claw_jobs_total", { outcome: "completed" }), inLog: m.provider.store.read({ types: ["JobCompleted"] }).length };
    await m.provider.close();
    log = await openAsyncStore({ url });
    a = await startInstance(m.keys[3]!);
    b = await startInstance(m.keys[3]!);
  }, { timeout: 90_000 });
  after(async () => {
    for (const p of [a, b]) await p?.close().catch(() => undefined);
    await log?.close();
    await m?.close();
  });

  test("on a SQLite log (one runtime) every job in its log is counted, as before", () => {
    assert.equal(sqlite.after - sqlite.before, 1);
    assert.equal(sqlite.after, sqlite.inLog);
  });

  test("each instance counts the jobs it served (4 and 2), not the other's, though its copy of the log holds all 6", async () => {
    const { streamId, signer } = await openStream(4n);
    const jobsA: string[] = [await serve(a, signer, "a1"), await serve(a, signer, "a2"), await serve(a, signer, "a3")];
    const jobsB = [await serve(b, signer, "b1"), await serve(b, signer, "b2")];
    // A proof sent to A and then replayed at B: served by A only; B refuses it and logs the refusal.
    const text = body("replayed");
    const proof = await signer.headers(text, { path: PATH });
    const post = (p: RunningProvider) => fetch(`${p.url}${PATH}`, { method: "POST", body: text, headers: { "content-type": "application/json", ...proof } });
    const served = await post(a);
    assert.equal(served.status, 200);
    jobsA.push(served.headers.get("x-claw-job")!);
    await served.text();
    const refused = await post(b);
    assert.equal(refused.status, 409);
    await refused.text();
    await caughtUp();
    for (const p of [a, b]) {
      assert.equal((p.store.read({ types: ["JobCompleted"] }) as StoredEvent<"JobCompleted">[]).filter((e) => e.data.streamId === streamId).length, 6, "each copy holds every instance's jobs");
    }
    assert.equal(await metric(a, "claw_jobs_total", { outcome: "completed" }), 4);
    assert.equal(await metric(b, "claw_jobs_total", { outcome: "completed" }), 2);
    assert.equal(await metric(a, "claw_queue_wait_seconds_count"), 4);
    assert.equal(await metric(b, "claw_queue_wait_seconds_count"), 2);
    assert.equal(await metric(a, "claw_refusals_total"), 0);
    assert.equal(await metric(b, "claw_refusals_total", { code: "NONCE_REPLAYED", logged: "true" }), 1);
    // Each instance's billed wei is the sum of its own jobs' costs in the log, exactly.
    const completed = (await log.read({ types: ["JobCompleted"] })) as StoredEvent<"JobCompleted">[];
    const costOf = (ids: string[]) => Number(completed.filter((e) => ids.includes(e.data.jobId)).reduce((s, e) => s + e.data.cost, 0n));
    assert.ok(costOf(jobsA) > 0 && costOf(jobsB) > 0, "the jobs were billed");
    assert.equal(await metric(a, "claw_metered_wei_total"), costOf(jobsA));
    assert.equal(await metric(b, "claw_metered_wei_total"), costOf(jobsB));
    // The sum over the instances (what Prometheus adds up) is the log: each job event (B's JobRejected too) counted once.
    const inLog = (await log.read({ types: [...JOB_EVENTS] })).length;
    assert.equal((await metric(a, "claw_store_append_seconds_count")) + (await metric(b, "claw_store_append_seconds_count")), inLog);
  });

  test("a job written to the log by another writer reaches both copies and neither instance's metrics", async () => {
    const { streamId } = await openStream(1n);
    const before = await Promise.all([a, b].map((p) => metric(p, "claw_jobs_total")));
    const appends = await Promise.all([a, b].map((p) => metric(p, "claw_store_append_seconds_count")));
    const jobId = "written-elsewhere";
    const admitted = await log.admitJob(jobAccepted({
      jobId, streamId, offering: "echo-1", providerId: a.offerings[0]!.providerId, nonce: 777n, bodyHash: "0x00", signer: m.account(4).address, pricePerSecond: PRICE, task: "chat",
    }));
    assert.equal(admitted.admitted, true);
    await log.append([jobStarted({ jobId, streamId, queuedMs: 0 }), jobCompleted({ jobId, streamId, meteredMs: 100n, cost: 100n * PRICE / 1000n, tokens: { prompt: 1, completion: 1 } })]);
    await caughtUp();
    for (const p of [a, b]) assert.equal(p.store.readByKey(`job:${jobId}`).length, 3, "the copy holds the foreign job");
    assert.deepEqual(await Promise.all([a, b].map((p) => metric(p, "claw_jobs_total"))), before);
    assert.deepEqual(await Promise.all([a, b].map((p) => metric(p, "claw_store_append_seconds_count"))), appends);
  });
});
