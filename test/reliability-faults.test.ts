/**
 * Reliability, CI size: backend faults through the fake servers (5xx, no answer, a stall after the
 * first token, a disconnect mid-stream, a malformed chunk, an error in the stream) fail the job
 * cleanly and bill by the written rule; the chain node stopped mid-run makes the runtime refuse
 * what it cannot verify (503 CHAIN_UNAVAILABLE, logged), and it recovers when the node returns.
 * Everything then settles and `claw audit` reconciles.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runClawAudit } from "./reliability/audit.ts";
import { faultModes, runBackendFaults } from "./reliability/backend-faults.ts";
import { runChainOutage } from "./reliability/chain-outage.ts";
import { waitAllClosed } from "./reliability/crash.ts";
import { startFaultsMarket, type FaultsMarket } from "./reliability/faults-market.ts";

const price = 1_000_000n;
let f: FaultsMarket;

before(async () => {
  f = await startFaultsMarket(price);
});
after(async () => f?.close());

test("backend faults fail the job cleanly, bill only metered time, and the runtime keeps serving", { timeout: 120_000 }, async () => {
  const rows = await runBackendFaults(f.m, f.fakes, { streams: f.streams, price });
  assert.equal(rows.length, 3 * faultModes.length * 2);
  assert.deepEqual(rows.flatMap((r) => r.problems.map((p) => `${r.backend} ${r.mode} ${r.route}: ${p}`)), []);
  assert.ok(rows.filter((r) => r.mode === "upstream" || r.mode === "stall-headers").every((r) => r.cost === 0n), "nothing billed before the first chunk");
  assert.ok(rows.some((r) => r.cost > 0n), "time up to the last chunk is billed");
  assert.equal((await fetch(`${f.m.runtime.url}/health`)).status, 200);
});

test("the chain node stops mid-run: unverifiable streams are refused with CHAIN_UNAVAILABLE, then the runtime recovers", { timeout: 120_000 }, async () => {
  const r = await runChainOutage(f.m, { model: "echo-1", price, outageMs: 4_000 });
  assert.deepEqual(r.failures, []);
  assert.ok(r.unverifiable.sent >= 2 && r.unverifiable.refusedRight === r.unverifiable.sent);
  assert.equal(r.rejectionsLogged, 0, "an unverifiable stream's refusal is anonymous: counted, not logged");
  assert.equal(r.servedAfter, 2);
  assert.equal(r.caughtUp, true);
  await waitAllClosed(f.m);
  await f.m.runtime.stop();
  const audit = await runClawAudit(f.m);
  assert.equal(audit.exitCode, 0, audit.diffs.join("\n") || audit.stderr);
});
