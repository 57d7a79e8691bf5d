/**
 * The runtime's memory after a restart is the log's projections (runtime/core/projections), kept live
 * afterwards by folding each new event as it is appended. Jobs that were accepted but never ended (the
 * process died mid-job) are recorded as failed (JOB_INTERRUPTED) and billed up to their last durable
 * progress (JobProgress, written every `settlement.progressMs` while output flows), never more than
 * their reservation: core/billing.ts's "crash-recovered" row. What was delivered after that last
 * progress is not billed — at most progressMs plus one group-commit flush per job per crash.
 *
 * Memory stays flat however many jobs are served: the live job view keeps every open job but only the
 * `keepEndedJobs` most recent ended ones (the log keeps them all; GET /v1/jobs/:id reads older ones
 * from it). Without this bound the view grew by ~600 bytes per job served, forever.
 */
import { decideBilling } from "../core/billing.ts";
import { jobFailed } from "../core/events.ts";
import { budgetMs } from "../core/money.ts";
import { evolveProjections, initialProjections, type JobView, type Projections } from "../core/projections/index.ts";
import type { EventStore } from "../store/types.ts";

/** Ended jobs kept in the live view (open jobs are always kept). */
export const KEEP_ENDED_JOBS = 10_000;

/**
 * @example
 * const views = recover(store); // views.streams.get(7n)?.metered -> wei metered on stream 7
 */
export function recover(store: EventStore, o: { keepEndedJobs?: number; reapOpenJobs?: boolean } = {}): Projections {
  const keep = o.keepEndedJobs ?? KEEP_ENDED_JOBS;
  const views = store.replay(evolveProjections, initialProjections());
  // On a shared log, jobs open in it may be running on another instance: the settler closes those
  // whose instance died (./reaper.ts), not each instance at its start.
  const open = o.reapOpenJobs === false ? [] : [...views.jobs.values()].filter((j) => j.status === "accepted" || j.status === "running");
  if (open.length > 0) {
    const { stored } = store.append(open.map(interruptedJob));
    for (const e of stored) evolveProjections(views, e);
  }
  // Ended jobs, oldest first (a Set keeps insertion order), trimmed to `keep`.
  const ended = new Set<string>();
  const trim = () => {
    for (const jobId of ended) {
      if (ended.size <= keep) break;
      ended.delete(jobId);
      views.jobs.delete(jobId);
    }
  };
  for (const j of views.jobs.values()) if (j.status === "completed" || j.status === "failed") ended.add(j.jobId);
  trim();
  // Keep the views current: every later append is folded in after it commits.
  store.subscribe((e) => {
    if (e.position <= views.position) return;
    evolveProjections(views, e);
    if (e.type === "JobCompleted" || e.type === "JobFailed") {
      ended.add(e.data.jobId);
      trim();
    }
  });
  return views;
}

/**
 * The JobFailed (JOB_INTERRUPTED) that closes a job whose runtime stopped while it ran: billed up to
 * its last durable progress, never above its reservation (core/billing.ts "crash-recovered").
 * @example
 * store.append(interruptedJob(views.jobs.get(jobId)!));
 */
export function interruptedJob(j: JobView) {
  const p = j.progress;
  const bill = decideBilling(
    { kind: "crash-recovered", durableDeliveredMs: p ? Number(p.deliveredMs) : null },
    { pricePerSecond: j.pricePerSecond, reservedWei: p?.reservedWei ?? 0n, reservedMs: p ? Number(budgetMs(p.reservedWei, j.pricePerSecond) ?? p.deliveredMs) : 0 },
  );
  const message = p
    ? `The runtime stopped while this job ran; billed up to its last durable progress (${p.deliveredMs} ms, ${p.chunks} chunks delivered).`
    : "The runtime stopped while this job ran, before any durable progress; it is not billed.";
  return jobFailed({ jobId: j.jobId, streamId: j.streamId, code: "JOB_INTERRUPTED", message, meteredMs: bill.billedMs, cost: bill.cost });
}

/** Streams this runtime served that have not ended on chain. */
export function openServedStreams(views: Projections): bigint[] {
  return [...views.streams.values()].filter((s) => s.jobs > 0 && (s.status === "active" || s.status === "none")).map((s) => s.streamId);
}
