/**
 * Runs one admitted job: waits for a slot in the offering's queue (not billed), starts the backend,
 * forwards chunks to the caller, and meters the wall time of the backend work. The job is aborted
 * when its reservation's time is up (JOB_BUDGET_CUT, counted from the reservation, queue wait
 * included, so no job runs past the stream's end − margin), the consumer disconnects (JOB_ABORTED),
 * the stream is cancelled, settled or runs out on chain (STREAM_CANCELLED, the reason its signal
 * carries), or the runtime shuts down. How each ending is billed is core/billing.ts's
 * `decideBilling` (the README's table); this file only observes the ending and applies the decision.
 *
 * While output flows, a JobProgress event (delivered ms, chunks) is group-committed every
 * `progressMs`: a job running at a crash is billed on restart up to its last durable progress.
 * The ending event (JobCompleted / JobFailed, with the cost) is appended before the caller can finish
 * its response, and the reservation is released exactly once whatever fails (an append included).
 */
import { decideBilling, type JobEnding } from "../core/billing.ts";
import { ClawError, isClawError } from "../core/errors.ts";
import type { StreamStatus } from "../core/stream.ts";
import { jobCompleted, jobFailed, jobProgress, jobStarted } from "../core/events.ts";
import type { Backend, Chunk, InferenceJob, UsageChunk } from "../../plugins/types.ts";
import type { BudgetLedger } from "./budget-ledger.ts";
import type { OfferingQueue } from "./offering-queue.ts";
import type { Admission } from "../server/guard/admit.ts";

/** Durable, group-committed appends: each resolves once its event is committed. */
type Appender = { append(e: ReturnType<typeof jobStarted | typeof jobProgress | typeof jobCompleted | typeof jobFailed>): Promise<unknown> };

export type JobResult = {
  jobId: string;
  meteredMs: number;
  cost: bigint;
  usage: UsageChunk;
  /** Set when the job ended early but delivered output (partial answer): why it ended and the finish reason. */
  partial?: { code: string; message: string; finishReason: "length" | "error" };
};

/** A job that ended without completing. `result` holds its billing (and `partial` when output was delivered). */
export class JobEndedError extends ClawError {
  readonly result: JobResult;
  constructor(error: ClawError, result: JobResult) {
    super(error.code, { message: error.message, cause: error, ...(error.details ? { details: error.details } : {}) });
    this.result = result;
  }
}

export type RunJobDeps = {
  queue: OfferingQueue;
  backend: Backend;
  ledger: Pick<BudgetLedger, "end">;
  store: Appender;
  shutdown: AbortSignal;
  /** How often a running job's delivered work is made durable (ms); default 1000. */
  progressMs?: number;
};

/** What stops a job from the consumer's side: its request's signal, and optionally its stream's (stopped on chain). */
export type JobIo = {
  signal: AbortSignal;
  /** A second signal with the same meaning (the stream's: cancelled, settled or run out on chain); no linked signal needed. */
  stop?: AbortSignal;
  onChunk: (chunk: Chunk) => void;
  onStart?: () => void;
};

/**
 * The error a job stopped by the consumer's signals ends with: the ClawError the aborted one carries
 * (a stream stopped on chain: STREAM_CANCELLED), else the consumer left.
 */
function consumerAbort(io: JobIo, message: string): ClawError {
  const reason: unknown = io.signal.aborted ? io.signal.reason : io.stop?.aborted ? io.stop.reason : undefined;
  return isClawError(reason) && reason.code !== "JOB_ABORTED" ? reason : new ClawError("JOB_ABORTED", { message });
}

/**
 * The reason to abort a stream's running jobs with when the chain says the stream stopped.
 *
 * @example streamAborts.get(id)?.abort(streamStopped(id, "cancelled"));
 */
export function streamStopped(streamId: bigint, status: "cancelled" | "settled" | "depleted" | StreamStatus): ClawError {
  const what = status === "cancelled" ? "was cancelled" : status === "settled" ? "was settled" : status === "depleted" ? "ran out" : `is ${status}`;
  return new ClawError("STREAM_CANCELLED", { message: `The job stopped: stream ${streamId} ${what} on chain.`, details: { streamId: streamId.toString(), streamStatus: status } });
}

function endingOf(error: ClawError, why: "client" | "shutdown" | "cut" | "backend", elapsedMs: number, lastOutputMs: number | null): JobEnding {
  if (why === "cut") return { kind: "budget-cut", elapsedMs, lastOutputMs };
  if (why === "client") return { kind: "consumer-gone", elapsedMs };
  if (why === "shutdown") return { kind: "shutdown", elapsedMs, lastOutputMs };
  return { kind: "backend-failed", code: error.code, elapsedMs, lastOutputMs };
}

/**
 * @example
 * const result = await runJob(deps, admission, job, { signal: clientGone, onChunk: (c) => write(c) });
 */
export async function runJob(
  deps: RunJobDeps,
  admission: Admission,
  job: InferenceJob,
  io: JobIo,
): Promise<JobResult> {
  const { reservation } = admission;
  // The reservation's time counts from when it was made, not from leaving the queue: it was sized
  // then to end before the stream's end − margin (core/admission.ts).
  const cutAtMs = reservation.reservedAtMs + reservation.ms;
  const terms = { pricePerSecond: reservation.pricePerSecond, reservedWei: reservation.wei, reservedMs: reservation.ms };
  const ids = { jobId: admission.jobId, streamId: admission.streamId };
  // The queue listens to these only while the job waits for a slot (none when one is free).
  const waitSignals = io.stop ? [io.signal, io.stop, deps.shutdown] : [io.signal, deps.shutdown];
  let started = false;
  let running: Promise<JobResult> | undefined;
  try {
    return await deps.queue.run(() => (running = runStarted()), waitSignals);
  } catch (err) {
    // p-queue races a running task with its signal: once started, the answer is the job's own
    // ending (billed, logged), not the queue's abort (which would reach the consumer as a 500).
    if (started && running) return await running;
    // Refused by a full queue, or aborted while still waiting: nothing ran, nothing is billed.
    deps.ledger.end(reservation, decideBilling({ kind: "not-started" }, terms).cost);
    const error = isClawError(err, "QUEUE_FULL")
      ? err
      : deps.shutdown.aborted
        ? new ClawError("JOB_ABORTED", { message: "The runtime shut down before the job started.", cause: err })
        : consumerAbort(io, "The consumer left before the job started.");
    await deps.store.append(jobFailed({ ...ids, code: error.code, message: error.message, meteredMs: 0n, cost: 0n }));
    throw error;
  }

  async function runStarted(): Promise<JobResult> {
    started = true;
    const controller = new AbortController();
    let why: "client" | "shutdown" | "cut" | "backend" = "backend";
    const abort = (w: typeof why, error: () => ClawError) => () => {
      if (controller.signal.aborted) return;
      why = w;
      controller.abort(error());
    };
    // A stream stopped on chain is billed like a consumer who left (its own act), but logged as what it is.
    const offClient = abort("client", () => consumerAbort(io, "The consumer disconnected."));
    const offShutdown = abort("shutdown", () => new ClawError("JOB_ABORTED", { message: "The runtime is shutting down." }));
    io.signal.addEventListener("abort", offClient, { once: true });
    io.stop?.addEventListener("abort", offClient, { once: true });
    deps.shutdown.addEventListener("abort", offShutdown, { once: true });
    let cut: ReturnType<typeof setTimeout> | undefined;
    let progress: ReturnType<typeof setInterval> | undefined;
    let t0: number | null = null;
    let lastOutputMs: number | null = null;
    let chunks = 0;
    // Text and tool-call deltas delivered: a streaming backend sends one per token.
    let deltas = 0;
    let usage: UsageChunk = { type: "usage" };
    let ending: JobEnding;
    let failure: ClawError | undefined;
    try {
      const startedAt = Date.now();
      if (startedAt >= cutAtMs) {
        throw new ClawError("JOB_BUDGET_CUT", {
          message: `The job waited ${startedAt - admission.acceptedAt} ms for the queue, past its ${reservation.ms} ms allowance on stream ${admission.streamId}; nothing ran, nothing is billed.`,
        });
      }
      await deps.store.append(jobStarted({ ...ids, queuedMs: startedAt - admission.acceptedAt }, { time: startedAt }));
      io.onStart?.();
      // The budget clock and the meter start together, after JobStarted is durable: the whole
      // reservation is available to the backend's work.
      const start = performance.now();
      t0 = start;
      cut = setTimeout(
        abort("cut", () => new ClawError("JOB_BUDGET_CUT", { message: `Stream ${admission.streamId}'s allowance for this job (${reservation.ms} ms from its admission) ran out.` })),
        Math.max(0, cutAtMs - Date.now()),
      );
      let written = 0;
      progress = setInterval(() => {
        if (chunks === written || lastOutputMs === null) return;
        written = chunks;
        // Fire and forget: a failed progress write only means less is billed after a crash.
        deps.store.append(jobProgress({ ...ids, deliveredMs: BigInt(Math.floor(lastOutputMs)), chunks, reservedWei: reservation.wei })).catch(() => undefined);
      }, deps.progressMs ?? 1000);
      for await (const chunk of deps.backend.infer(job, controller.signal)) {
        if (controller.signal.aborted) throw controller.signal.reason;
        if (chunk.type === "usage") usage = chunk;
        else {
          io.onChunk(chunk);
          chunks += 1;
          if (chunk.type === "text" || chunk.type === "tool_call") deltas += 1;
          lastOutputMs = performance.now() - start;
        }
      }
      ending = { kind: "completed", elapsedMs: performance.now() - start };
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason : err;
      failure = isClawError(reason) ? reason : new ClawError("BACKEND_UPSTREAM", { message: (reason as Error)?.message ?? String(reason), cause: reason });
      // Failing before the meter started (JobStarted could not be written) bills nothing.
      ending = t0 === null ? { kind: "not-started" } : endingOf(failure, controller.signal.aborted ? why : "backend", performance.now() - t0, lastOutputMs);
    } finally {
      clearTimeout(cut);
      clearInterval(progress);
      io.signal.removeEventListener("abort", offClient);
      io.stop?.removeEventListener("abort", offClient);
      deps.shutdown.removeEventListener("abort", offShutdown);
    }
    const bill = decideBilling(ending, terms);
    const cost = deps.ledger.end(reservation, bill.cost);
    const meteredMs = Number(bill.billedMs);
    if (!failure) {
      const tokens = { ...(usage.promptTokens === undefined ? {} : { prompt: usage.promptTokens }), ...(usage.completionTokens === undefined ? {} : { completion: usage.completionTokens }) };
      await deps.store.append(jobCompleted({ ...ids, meteredMs: bill.billedMs, cost, tokens, ...(usage.timings ? { timings: { ...usage.timings } } : {}) }));
      return { jobId: admission.jobId, meteredMs, cost, usage };
    }
    await deps.store.append(jobFailed({ ...ids, code: failure.code, message: failure.message, meteredMs: bill.billedMs, cost }));
    const partial = bill.finishReason === "length" || bill.finishReason === "error" ? { code: failure.code, message: failure.message, finishReason: bill.finishReason } : undefined;
    // A backend reports usage at its end: a job cut short reports what it delivered instead.
    const delivered: UsageChunk = usage.completionTokens !== undefined || deltas === 0
      ? usage
      : { ...usage, completionTokens: deltas, totalTokens: (usage.promptTokens ?? 0) + deltas };
    throw new JobEndedError(failure, { jobId: admission.jobId, meteredMs, cost, usage: delivered, ...(partial ? { partial } : {}) });
  }
}
