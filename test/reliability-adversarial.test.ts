/**
 * Reliability, CI size: the adversarial generator (test/reliability/) sends requests wrong in every
 * way the issue lists, interleaved with real paid ones, across a runtime restart. Nothing bad is
 * served, each gets its status and code, the log holds one JobRejected per refusal, every paid
 * request is served and settled to the wei, and `claw audit` agrees. `npm run reliability` runs
 * the same with >= 10,000 requests.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { adversarialOfferings, setupFixtures, type Fixtures } from "./reliability/adversarial-fixtures.ts";
import { runAdversarial } from "./reliability/adversarial.ts";
import { checkAdversarial } from "./reliability/adversarial-check.ts";
import { badCases } from "./reliability/adversarial-cases.ts";
import { runClawAudit } from "./reliability/audit.ts";
import { startReliabilityMarket, type ReliabilityMarket } from "./reliability/market.ts";

const price = 1_000_000n;
const bodyLimitBytes = 4096;
let m: ReliabilityMarket;
let fx: Fixtures;

before(async () => {
  m = await startReliabilityMarket({ offerings: adversarialOfferings(price), settlement: { idleSeconds: 5, minJobMs: 100 }, server: { bodyLimitBytes } });
  await m.startRuntime();
  fx = await setupFixtures(m, { price, paidStreams: 4 });
});
after(async () => m?.close());

test("bad requests of every kind are refused and logged, paid ones served and settled to the wei", { timeout: 170_000 }, async () => {
  const run = await runAdversarial(m, fx, { total: 1_200, concurrency: 12, seed: Date.now() % 1e6, bodyLimitBytes });
  const report = await checkAdversarial(m, fx, run);
  assert.deepEqual(report.failures, []);
  assert.equal(report.badServed, 0);
  assert.equal(run.restarts, 1, "the runtime was restarted mid-run");
  assert.ok(report.bad > 700 && report.paid > 150, `${report.bad} bad, ${report.paid} paid`);
  assert.equal(report.rejectionsLogged, report.rejectionsExpected, "one JobRejected per refusal of a verified stream, none for anonymous ones");
  const kinds = new Set(report.byKind.map((k) => k.kind));
  for (const c of badCases) assert.ok(kinds.has(c.kind), `the run sent at least one ${c.kind}`);
  assert.equal(report.settledStreams, fx.paid.length);
  assert.ok(report.chargedWei > 0n);
  const audit = await runClawAudit(m);
  assert.equal(audit.exitCode, 0, audit.diffs.join("\n") || audit.stderr);
  assert.equal(audit.differences, 0);
});
