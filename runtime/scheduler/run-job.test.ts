/**
 * A job's cut counts from its admission (the reservation), not from leaving the queue: the
 * reservation's time was sized at admission to end before the stream's end − margin, so a job that
 * waited in the queue is cut at admission + allowance, and one that waited past it never starts.
 * Real p-queue, real ledger, real timers; a backend that streams until it is aborted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Address } from "viem";
import type { Backend, Chunk, InferenceJob } from "../../plugins/types.ts";
import { isClawError } from "../core/errors.ts";
import type { OnChainStream } from "../core/stream.ts";
import { createBudgetLedger } from "./budget-ledger.ts";
import { createOfferingQueue } from "./offering-queue.ts";
import { JobEndedError, runJob } from "./run-job.ts";

const sender = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const price = 1_000n;
const stream = { streamId: 7n, sender } as OnChainStream;
const job: InferenceJob = { task: "completion", id: "j", model: "m", prompt: "hi" };

/** Streams a chunk every 20 ms until aborted; records when it started and when it was aborted. */
function endless(times: { startedAt?: number; abortedAt?: number }): Backend {
  return {
    async health() { return { ok: true }; },
    async models() { return []; },
    async *infer(_job: InferenceJob, signal: AbortSignal): AsyncGenerator<Chunk> {
      times.startedAt = Date.now();
      signal.addEventListener("abort", () => (times.abortedAt = Date.now()), { once: true });
      while (!signal.aborted) {
        yield { type: "text", text: "t" };
        await new Promise((r) => setTimeout(r, 20));
      }
      throw signal.reason;
    },
  } as unknown as Backend;
}

function setup(maxJobMs: number) {
  const ledger = createBudgetLedger();
  ledger.track(7n, { deposit: price * 600n, metered: 0n });
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];
  const store = { append: async (e: { type: string; data: Record<string, unknown> }) => void events.push(e) };
  const queue = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 4 });
  const admit = (jobId: string) => {
    const reservation = ledger.reserve(7n, jobId, { pricePerSecond: price, minJobMs: 10, maxJobMs });
    return { jobId, streamId: 7n, nonce: 1n, bodyHash: `0x${"00".repeat(32)}` as const, signer: sender, stream, reservation, acceptedAt: reservation.reservedAtMs };
  };
  const run = (admission: ReturnType<typeof admit>, backend: Backend) =>
    runJob({ queue, backend, ledger, store: store as never, shutdown: new AbortController().signal }, admission, { ...job, id: admission.jobId }, {
      signal: new AbortController().signal, onChunk: () => undefined,
    });
  return { ledger, events, queue, admit, run };
}

/** Holds the queue's only slot until `release()`. */
function blocker() {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  return { release, task: () => held };
}

test("a job that waited in the queue is cut at admission + allowance, not allowance after it started", async () => {
  const s = setup(2_000);
  const hold = blocker();
  const holding = s.queue.run(hold.task);
  const admission = s.admit("waiter");
  const times: { startedAt?: number; abortedAt?: number } = {};
  const outcome = s.run(admission, endless(times)).catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 1_200)); // waits for the queue, unbilled
  hold.release();
  await holding;
  const err = await outcome;
  assert.ok(err instanceof JobEndedError && isClawError(err, "JOB_BUDGET_CUT"), String(err));
  assert.ok(times.startedAt! - admission.reservation.reservedAtMs >= 1_200, "it waited in the queue first");
  assert.ok(times.abortedAt! >= admission.reservation.reservedAtMs + admission.reservation.ms, "never cut before its allowance ran out");
  assert.ok(times.abortedAt! < times.startedAt! + admission.reservation.ms, "cut at admission + allowance, before a full allowance after it started");
  assert.ok(err.result.meteredMs < admission.reservation.ms, "billed only the time it ran");
  assert.deepEqual([s.ledger.get(7n)?.reserved, s.ledger.get(7n)?.activeJobs], [0n, 0], "the reservation is released");
});

test("a job whose allowance ran out while it waited never starts and bills nothing", async () => {
  const s = setup(300);
  const hold = blocker();
  const holding = s.queue.run(hold.task);
  const admission = s.admit("late");
  const times: { startedAt?: number } = {};
  const outcome = s.run(admission, endless(times)).catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 500));
  hold.release();
  await holding;
  const err = await outcome;
  assert.ok(err instanceof JobEndedError && isClawError(err, "JOB_BUDGET_CUT"), String(err));
  assert.equal(times.startedAt, undefined, "the backend was never called");
  assert.equal(err.result.cost, 0n);
  assert.deepEqual(s.events.map((e) => e.type), ["JobFailed"], "no JobStarted: it never ran");
  assert.equal(s.ledger.get(7n)?.metered, 0n);
});
