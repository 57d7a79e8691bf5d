/**
 * Reliability, CI size: the runtime is SIGKILLed while paid requests are in flight (and once while
 * it starts), restarted each time; no receipt a consumer holds is missing from the log, the hash
 * chain verifies, in-flight jobs end as completed or failed, nothing is settled twice, the chain's
 * events are all caught up, and at the end `claw audit` reconciles every stream to the wei.
 * `npm run reliability` runs >= 20 rounds.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runClawAudit } from "./reliability/audit.ts";
import { runCrashRounds, waitAllClosed } from "./reliability/crash.ts";
import { startReliabilityMarket, type ReliabilityMarket } from "./reliability/market.ts";

const price = 1_000_000n;
let m: ReliabilityMarket;

before(async () => {
  m = await startReliabilityMarket({
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 50 }, pricePerSecond: price, concurrency: 16, maxJobSeconds: 10 }],
    settlement: { idleSeconds: 3, minJobMs: 100 },
  });
  await m.startRuntime();
});
after(async () => m?.close());

test("SIGKILL at random moments loses nothing and never bills twice", { timeout: 170_000 }, async () => {
  const report = await runCrashRounds(m, { rounds: 3, model: "echo-1", price, seed: Date.now() % 1e6 });
  assert.deepEqual(report.failures, []);
  assert.equal(report.rounds.length, 3);
  assert.ok(report.rounds.some((r) => r.mode === "startup"), "one kill landed during startup");
  assert.ok(report.receipts > 0, "consumers got answers between kills");
  assert.ok(report.rounds.some((r) => r.openAtKill > 0), "some kill landed with jobs in flight");
  await waitAllClosed(m);
  await m.runtime.stop();
  const audit = await runClawAudit(m);
  assert.equal(audit.exitCode, 0, audit.diffs.join("\n") || audit.stderr);
  assert.ok(audit.streams >= 4);
});
