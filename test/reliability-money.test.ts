/**
 * Reliability, CI size: the money scenarios once each (test/reliability/money.ts) — 8 parallel jobs
 * on a rate = price stream, the same with an immediate cancel, a late job on a short stream, a
 * kill -9 mid-answer — then `claw audit`. `npm run reliability` repeats them and reports the worst
 * provider shortfall, consumer overcharge and unbilled delivered ms per crash.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runClawAudit } from "./reliability/audit.ts";
import { startReliabilityMarket, type ReliabilityMarket } from "./reliability/market.ts";
import { moneyOfferings, moneySettlement, runMoneyScenarios, summarizeMoney } from "./reliability/money.ts";

const price = 1_000_000n;
let m: ReliabilityMarket;

before(async () => {
  m = await startReliabilityMarket({ offerings: moneyOfferings(price), settlement: moneySettlement });
  await m.startRuntime();
});
after(async () => m?.close());

test("money scenarios: shortfall within its bound, no overcharge, crash loss within progressMs", { timeout: 170_000 }, async (t) => {
  const r = await runMoneyScenarios(m, { price, rounds: 1 });
  assert.deepEqual(r.failures, []);
  const s = summarizeMoney(r);
  t.diagnostic(JSON.stringify(s, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  assert.equal(s.maxParallelOnRateEqualsPrice, 1, "floor(rate / price) = 1 job at once");
  assert.equal(s.worstOvercharge, 0n, "a stream the runtime settles is paid exactly its metered total");
  for (const row of r.rows.filter((x) => x.scenario !== "parallel, consumer cancels")) assert.equal(row.shortfall, 0n, `${row.scenario}: metered ${row.metered}, paid ${row.paid}`);
  // What the consumer saw past the durable progress: progressMs plus the tokens in flight at the kill.
  assert.ok(s.maxUnbilledMsPerCrash <= moneySettlement.progressMs + 300, `${s.maxUnbilledMsPerCrash} ms delivered and not billed`);
  await m.runtime.stop();
  const audit = await runClawAudit(m);
  assert.equal(audit.exitCode, 0, audit.diffs.join("\n") || audit.stderr);
});
