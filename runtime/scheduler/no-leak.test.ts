/**
 * No leaks: any failure after a reservation releases it — a JobAccepted append that throws, a
 * JobStarted / ending append that throws, a full queue — and a stream's parallel slots are handed
 * to waiting jobs as running ones end.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Address } from "viem";
import type { Backend, Chunk, InferenceJob } from "../../plugins/types.ts";
import { isClawError } from "../core/errors.ts";
import type { OnChainStream } from "../core/stream.ts";
import { createAdmitter } from "../server/guard/admit.ts";
import type { ProofVerifier } from "../server/guard/verify-proof.ts";
import { createBudgetLedger } from "./budget-ledger.ts";
import { createOfferingQueue } from "./offering-queue.ts";
import { runJob, type RunJobDeps } from "./run-job.ts";

const wallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const sender = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const price = 1_000n;
const nowS = BigInt(Math.floor(Date.now() / 1000));
const stream: OnChainStream = {
  streamId: 7n, sender, recipient: wallet, deposit: price * 600n, withdrawn: 0n, startTime: nowS - 10n, duration: 600n, providerId: 1n, serviceType: 0, status: "active",
};
const offering = { model: "echo-1", providerId: 1n, pricePerSecond: price, maxJobMs: 60_000 };
const anyVerifier = { verify: async () => undefined, verifySettle: async () => undefined } as unknown as ProofVerifier;
const headers = (nonce: number) => ({
  "x-claw-stream": "7", "x-claw-nonce": String(nonce), "x-claw-deadline": String(nowS + 600n), "x-claw-signature": `0x${"11".repeat(65)}`,
});
const target = { method: "POST", path: "/v1/inference" };

function admitter(append: () => Promise<{ duplicate: boolean }>) {
  const ledger = createBudgetLedger({ endMarginMs: 5_000 });
  const admit = createAdmitter({
    wallet, ledger, verifier: anyVerifier, minJobMs: 100, streams: { get: async () => stream },
    store: { append, hasNonce: () => false, meteredTotal: () => 0n },
  });
  return { ledger, admit: (nonce: number) => (admit as (...a: unknown[]) => ReturnType<typeof admit>)(headers(nonce), new Uint8Array(), offering, "completion", target) };
}

const backend = (chunks: string[], failAfter = false): Backend => ({
  async health() { return { ok: true }; },
  async models() { return []; },
  async *infer(): AsyncGenerator<Chunk> {
    for (const text of chunks) yield { type: "text", text };
    if (failAfter) throw new Error("backend broke");
  },
}) as unknown as Backend;
const job: InferenceJob = { task: "completion", id: "j", model: "echo-1", prompt: "hi" };

describe("no leaks: every failure after a reservation releases it", () => {
  test("the JobAccepted append throws: the refusal leaves nothing reserved and the slot free", async () => {
    let fail = true;
    const { ledger, admit } = admitter(async () => {
      if (fail) throw new Error("disk full");
      return { duplicate: false };
    });
    await assert.rejects(admit(1), /disk full/);
    assert.deepEqual([ledger.get(7n)?.reserved, ledger.get(7n)?.activeJobs], [0n, 0]);
    fail = false;
    const a = await admit(2); // rate = price: one slot, and it is free again
    assert.equal(a.reservation.wei, price * 60n);
  });

  test("a duplicate nonce releases its reservation", async () => {
    const { ledger, admit } = admitter(async () => ({ duplicate: true }));
    await assert.rejects(admit(1), (e) => isClawError(e, "NONCE_REPLAYED"));
    assert.deepEqual([ledger.get(7n)?.reserved, ledger.get(7n)?.activeJobs], [0n, 0]);
  });

  const run = async (store: RunJobDeps["store"], b: Backend, queue = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 4 })) => {
    const ledger = createBudgetLedger();
    ledger.track(7n, { deposit: price * 600n, metered: 0n });
    const reservation = ledger.reserve(7n, "j", { pricePerSecond: price, minJobMs: 100, maxJobMs: 60_000 });
    const admission = { jobId: "j", streamId: 7n, nonce: 1n, bodyHash: `0x${"00".repeat(32)}` as const, signer: sender, stream, reservation, acceptedAt: Date.now() };
    const outcome = await runJob({ queue, backend: b, ledger, store, shutdown: new AbortController().signal }, admission, job, { signal: new AbortController().signal, onChunk: () => undefined })
      .then(() => "ok", (e: Error) => e.message);
    return { ledger, outcome };
  };

  test("the JobStarted append throws: nothing billed, reservation released", async () => {
    const { ledger, outcome } = await run({ append: async (e) => { if (e.type === "JobStarted") throw new Error("io error"); return {}; } }, backend(["a"]));
    assert.match(outcome, /io error/);
    assert.deepEqual([ledger.get(7n)?.reserved, ledger.get(7n)?.activeJobs, ledger.get(7n)?.metered], [0n, 0, 0n]);
  });

  test("the JobCompleted append throws: reservation released (the error reaches the route)", async () => {
    const { ledger, outcome } = await run({ append: async (e) => { if (e.type === "JobCompleted") throw new Error("io error"); return {}; } }, backend(["a", "b"]));
    assert.match(outcome, /io error/);
    assert.deepEqual([ledger.get(7n)?.reserved, ledger.get(7n)?.activeJobs], [0n, 0]);
  });

  test("the JobFailed append throws after a backend failure: reservation released", async () => {
    const { ledger, outcome } = await run({ append: async (e) => { if (e.type === "JobFailed") throw new Error("io error"); return {}; } }, backend(["a"], true));
    assert.match(outcome, /io error/);
    assert.deepEqual([ledger.get(7n)?.reserved, ledger.get(7n)?.activeJobs], [0n, 0]);
  });

  test("a full queue and a throwing JobFailed append: reservation released", async () => {
    const queue = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 0 }); // refuses every job: QUEUE_FULL
    const { ledger, outcome } = await run({ append: async () => { throw new Error("io error"); } }, backend(["a"]), queue);
    assert.match(outcome, /io error/);
    assert.deepEqual([ledger.get(7n)?.reserved, ledger.get(7n)?.activeJobs], [0n, 0]);
  });
});

describe("parallel slots: floor(rate / price) jobs at once, the rest wait", () => {
  const timed = (deposit: bigint) => {
    const ledger = createBudgetLedger({ endMarginMs: 5_000 });
    ledger.track(7n, { deposit, metered: 0n, startTime: nowS - 10n, duration: 600n });
    return ledger;
  };
  const terms = { pricePerSecond: price, minJobMs: 100, maxJobMs: 10_000 };

  test("rate = price: the second job waits until the first ends, then reserves", async () => {
    const ledger = timed(price * 600n);
    const first = ledger.reserve(7n, "a", terms);
    assert.throws(() => ledger.reserve(7n, "b", terms), (e) => isClawError(e, "STREAM_BUSY") && e.status === 429);
    let got = false;
    const second = ledger.reserveWhenFree(7n, "b", terms, { untilMs: Date.now() + 60_000 }).then((r) => ((got = true), r));
    await new Promise((r) => setImmediate(r));
    assert.equal(got, false, "waits while the slot is held");
    ledger.end(first, 500n);
    const r = await second;
    assert.equal(r.jobId, "b");
    assert.equal(ledger.get(7n)?.activeJobs, 1);
    assert.equal(ledger.end(first, 500n), 0n, "ending twice is a no-op");
    assert.equal(ledger.get(7n)?.activeJobs, 1);
  });

  test("a waiter whose time is up is refused STREAM_BUSY; a closed stream refuses its waiters", async () => {
    const ledger = timed(price * 600n);
    ledger.reserve(7n, "a", terms);
    await assert.rejects(ledger.reserveWhenFree(7n, "b", terms, { untilMs: Date.now() + 20 }), (e) => isClawError(e, "STREAM_BUSY"));
    const waiting = ledger.reserveWhenFree(7n, "c", terms, { untilMs: Date.now() + 60_000 });
    ledger.close(7n);
    await assert.rejects(waiting, (e) => isClawError(e, "STREAM_ENDED"));
  });

  test("rate = 3 x price: three at once", () => {
    const ledger = timed(price * 1_800n);
    for (const id of ["a", "b", "c"]) ledger.reserve(7n, id, terms);
    assert.throws(() => ledger.reserve(7n, "d", terms), (e) => isClawError(e, "STREAM_BUSY"));
  });
});
