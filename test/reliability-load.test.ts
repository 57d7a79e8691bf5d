/**
 * Reliability, CI size: ~20 s of sustained paid load at a fixed rate (autocannon in its own
 * process, every request freshly signed). No errors, every request answered 2xx and logged as a
 * completed job, latency percentiles and the runtime's memory recorded, everything settled and
 * reconciled by `claw audit`. `npm run reliability` runs >= 5 minutes and judges memory flatness.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runClawAudit } from "./reliability/audit.ts";
import { waitAllClosed } from "./reliability/crash.ts";
import { runLoad } from "./reliability/load.ts";
import { startLoadMarket, type LoadMarket } from "./reliability/load-market.ts";

const price = 1_000_000n;
let l: LoadMarket;

before(async () => {
  l = await startLoadMarket(price, 4);
});
after(async () => l?.m.close());

test("sustained paid load: no errors, every job logged and billed, memory sampled, audit reconciles", { timeout: 150_000 }, async () => {
  const r = await runLoad(l.m, { streams: l.streams, model: "echo-1", rate: 200, connections: 16, durationSeconds: 20, windowSeconds: 5 });
  assert.equal(r.summary.errors, 0);
  assert.equal(r.summary.timeouts, 0);
  assert.equal(r.summary.non2xx, 0);
  assert.ok(r.summary.requests >= 2_000, `${r.summary.requests} requests`);
  // Up to `connections` requests are still in flight when autocannon stops; the runtime ends them too.
  assert.ok(r.jobsLogged >= r.summary.requests && r.jobsLogged <= r.summary.requests + 16, `${r.jobsLogged} jobs logged for ${r.summary.requests} answers`);
  assert.ok(Object.keys(r.jobsFailed).every((code) => code === "JOB_ABORTED"), JSON.stringify(r.jobsFailed));
  assert.equal(r.rejectionsLogged, 0);
  assert.ok(r.summary.latency.p50 > 0 && r.summary.latency.p99 >= r.summary.latency.p50);
  assert.ok(r.memory.length >= 4, "memory sampled every window");
  assert.ok(r.memory.at(-1)!.jobsInView <= r.jobsLogged + 16, "the live job view holds no more than the jobs served");
  await waitAllClosed(l.m);
  await l.m.runtime.stop();
  const audit = await runClawAudit(l.m);
  assert.equal(audit.exitCode, 0, audit.diffs.join("\n") || audit.stderr);
  assert.ok(BigInt(audit.totals.settled) > 0n, "the load was billed");
});
