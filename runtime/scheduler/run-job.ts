/**
 * Runs one admitted job: waits for a slot in the offering's queue (not billed), starts the backend,
 * forwards chunks to the caller, and meters the wall time of the backend work. The job is aborted
 * when its reservation runs out (JOB_BUDGET_CUT), the consumer disconnects (JOB_ABORTED), the stream
 * is closed, or the runtime shuts down. The ending event (JobCompleted / JobFailed, with the cost)
 * is appended before the caller can finish its response.
 *
 * Billing when a job fails (written down in the README):
 * - backend failed before its first chunk: nothing is billed (the provider failed to serve);
 * - backend failed after chunks were delivered: billed up to the last delivered chunk;
 * - consumer disconnected or budget ran out: billed for all time used until the abort.
 */
import { ClawError, isClawError } from "../core/errors.ts";
import { jobCompleted, jobFailed, jobStarted } from "../core/events.ts";
import type { Backend, Chunk, InferenceJob, UsageChunk } from "../../plugins/types.ts";
import type { BudgetLedger } from "./budget-ledger.ts";
import { linkSignals } from "./link-signals.ts";
import type { OfferingQueue } from "./offering-queue.ts";
import type { Admission } from "../server/guard/admit.ts";

/** Durable, group-committed appends: each resolves once its event is committed. */
type Appender = { append(e: ReturnType<typeof jobStarted | typeof jobCompleted | typeof jobFailed>): Promise<unknown> };

export type JobResult = { jobId: string; meteredMs: number; cost: bigint; usage: UsageChunk };

export type RunJobDeps = { queue: OfferingQueue; backend: Backend; ledger: BudgetLedger; store: Appender; shutdown: AbortSignal };

/**
 * @example
 * const result = await runJob(deps, admission, job, { signal: clientGone, onChunk: (c) => write(c) });
 */
export async function runJob(
  deps: RunJobDeps,
  admission: Admission,
  job: InferenceJob,
  io: { signal: AbortSignal; onChunk: (chunk: Chunk) => void; onStart?: () => void },
): Promise<JobResult> {
  const { reservation } = admission;
  const waitAbort = linkSignals([io.signal, deps.shutdown]);
  let started = false;
  try {
    return await deps.queue.run(async () => {
      started = true;
      const controller = new AbortController();
      let cut: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (why: string) => () => controller.abort(new ClawError("JOB_ABORTED", { message: why }));
      const offClient = onAbort("The consumer disconnected.");
      const offShutdown = onAbort("The runtime is shutting down.");
      io.signal.addEventListener("abort", offClient, { once: true });
      deps.shutdown.addEventListener("abort", offShutdown, { once: true });
      const startedAt = Date.now();
      await deps.store.append(jobStarted({ jobId: admission.jobId, streamId: admission.streamId, queuedMs: startedAt - admission.acceptedAt }, { time: startedAt }));
      io.onStart?.();
      // The budget clock and the meter start together, after JobStarted is durable: the whole
      // reservation is available to the backend's work.
      const t0 = performance.now();
      cut = setTimeout(
        () => controller.abort(new ClawError("JOB_BUDGET_CUT", { message: `Stream ${admission.streamId}'s budget ran out after ${reservation.ms} ms.` })),
        reservation.ms,
      );
      let lastDeliveredMs = 0;
      let usage: UsageChunk = { type: "usage" };
      try {
        for await (const chunk of deps.backend.infer(job, controller.signal)) {
          if (controller.signal.aborted) throw controller.signal.reason;
          if (chunk.type === "usage") usage = chunk;
          else {
            io.onChunk(chunk);
            lastDeliveredMs = performance.now() - t0;
          }
        }
        const meteredMs = Math.floor(performance.now() - t0);
        const cost = deps.ledger.commit(reservation, meteredMs);
        const tokens = { ...(usage.promptTokens === undefined ? {} : { prompt: usage.promptTokens }), ...(usage.completionTokens === undefined ? {} : { completion: usage.completionTokens }) };
        await deps.store.append(
          jobCompleted({ jobId: admission.jobId, streamId: admission.streamId, meteredMs: BigInt(meteredMs), cost, tokens, ...(usage.timings ? { timings: { ...usage.timings } } : {}) }),
        );
        return { jobId: admission.jobId, meteredMs, cost, usage };
      } catch (err) {
        const reason = controller.signal.aborted ? controller.signal.reason : err;
        const error = isClawError(reason) ? reason : new ClawError("BACKEND_UPSTREAM", { message: (reason as Error)?.message ?? String(reason), cause: reason });
        const consumerSide = error.code === "JOB_ABORTED" || error.code === "JOB_BUDGET_CUT";
        const billedMs = Math.floor(consumerSide ? performance.now() - t0 : lastDeliveredMs);
        const cost = deps.ledger.commit(reservation, billedMs);
        await deps.store.append(jobFailed({ jobId: admission.jobId, streamId: admission.streamId, code: error.code, message: error.message, meteredMs: BigInt(billedMs), cost }));
        throw error;
      } finally {
        clearTimeout(cut);
        io.signal.removeEventListener("abort", offClient);
        deps.shutdown.removeEventListener("abort", offShutdown);
      }
    }, waitAbort.signal);
  } catch (err) {
    if (started) throw err;
    // Refused by a full queue, or aborted while still waiting: nothing ran, nothing is billed.
    deps.ledger.commit(reservation, 0);
    const why = deps.shutdown.aborted ? "The runtime shut down before the job started." : "The consumer left before the job started.";
    const error = isClawError(err, "QUEUE_FULL") ? err : new ClawError("JOB_ABORTED", { message: why, cause: err });
    await deps.store.append(jobFailed({ jobId: admission.jobId, streamId: admission.streamId, code: error.code, message: error.message, meteredMs: 0n, cost: 0n }));
    throw error;
  } finally {
    waitAbort.dispose();
  }
}
