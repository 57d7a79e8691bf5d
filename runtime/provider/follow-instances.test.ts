import assert from "node:assert/strict";
import { test } from "node:test";
import { jobAccepted, jobCompleted, jobFailed, settlementSubmitted, streamOpened, streamSettled, type NewEvent } from "../core/events.ts";
import { createBudgetLedger } from "../scheduler/budget-ledger.ts";
import { openStore } from "../store/index.ts";
import { followInstances, foreignOpenJobs } from "./follow-instances.ts";
import { recover } from "./recover.ts";

const chain = (i: number) => ({ blockNumber: BigInt(i), txHash: `0x${String(i).padStart(64, "0")}`, logIndex: 0 });
const accepted = (jobId: string, streamId: bigint, nonce: bigint) =>
  jobAccepted({ jobId, streamId, offering: "echo", providerId: 1n, nonce, bodyHash: "0x", signer: "0x", pricePerSecond: 1000n, task: "chat" });
const completed = (jobId: string, streamId: bigint, cost: bigint) => jobCompleted({ jobId, streamId, meteredMs: cost, cost, tokens: {} });

test("the ledger follows other instances' jobs on the shared log, not its own; settle acts close; chain stops are passed on", async () => {
  // The log as this instance's copy holds it: every instance's events arrive through it.
  const log = openStore({ path: ":memory:" });
  const start = BigInt(Math.floor(Date.now() / 1000));
  log.append(streamOpened({ streamId: 7n, sender: "0xs", recipient: "0xr", providerId: 1n, deposit: 7_200_000n, startTime: start, duration: 3600n, serviceType: 0, chain: chain(1) }));
  log.append(accepted("other-1", 7n, 1n)); // another instance's job, running before this one started
  const views = recover(log, { reapOpenJobs: false });
  assert.equal(views.jobs.get("other-1")?.status, "accepted", "a shared log's open jobs are not closed at start");
  const ledger = createBudgetLedger();
  const localJobs = new Set<string>();
  const stops: NewEvent[] = [];
  const stop = followInstances({
    log, views, ledger, localJobs, knownStreams: new Set(), knownProviders: new Set(), onChainEvent: (e) => stops.push(e),
    streamTerms: async () => null,
  });
  ledger.track(7n, { deposit: 7_200_000n, metered: 0n, startTime: start, duration: 3600n, activeJobs: foreignOpenJobs(views, 7n, localJobs) });
  assert.equal(ledger.get(7n)?.activeJobs, 1, "the running foreign job holds a slot here");

  // This instance's own job: the ledger reserved and ends it itself; its events are not counted twice.
  localJobs.add("mine");
  const r = ledger.reserve(7n, "mine", { pricePerSecond: 1000n, minJobMs: 100, maxJobMs: 1000 });
  log.append(accepted("mine", 7n, 2n));
  ledger.end(r, 300n);
  log.append(completed("mine", 7n, 300n));
  assert.equal(localJobs.has("mine"), false, "forgotten once its ending came back through the log");
  // The foreign job ends; another starts and fails.
  log.append(completed("other-1", 7n, 500n));
  log.append(accepted("other-2", 7n, 3n));
  assert.equal(ledger.get(7n)?.activeJobs, 1);
  log.append(jobFailed({ jobId: "other-2", streamId: 7n, code: "JOB_INTERRUPTED", message: "x", meteredMs: 40n, cost: 40n }));
  const s = ledger.get(7n)!;
  assert.equal(s.activeJobs, 0);
  assert.equal(s.metered, 840n, "300 (own, once) + 500 + 40");
  assert.equal(s.metered, views.streams.get(7n)?.metered, "the ledger agrees with the log's total");
  assert.equal(s.closed, false);
  log.append(settlementSubmitted({ streamId: 7n, amount: 840n, txHash: "0xabc" }));
  assert.equal(ledger.get(7n)?.closed, true, "the settler's act closes the stream here too");
  log.append(streamSettled({ streamId: 7n, earned: 840n, paidNow: 840n, refund: 1n, chain: chain(2) }));
  assert.deepEqual(stops.map((e) => e.type), ["StreamSettled"]);

  // A stream only other instances served is tracked from the views when its first event arrives.
  log.append(streamOpened({ streamId: 8n, sender: "0xs", recipient: "0xr", providerId: 1n, deposit: 7_200_000n, startTime: start, duration: 3600n, serviceType: 0, chain: chain(3) }));
  log.append(accepted("other-3", 8n, 1n));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ledger.get(8n)?.activeJobs, 1, "tracked with the job it just saw");
  log.append(completed("other-3", 8n, 70n));
  assert.deepEqual([ledger.get(8n)?.activeJobs, ledger.get(8n)?.metered], [0, 70n]);
  stop();
  log.close();
});
