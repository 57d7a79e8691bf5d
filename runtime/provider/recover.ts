/**
 * The runtime's memory after a restart is the log's projections (runtime/core/projections), kept live
 * afterwards by folding each new event as it is appended. Jobs that were accepted but never ended (the
 * process died mid-job) are recorded as failed at no cost: the runtime cannot prove how long they ran,
 * and rounding goes to the payer.
 *
 * Memory stays flat however many jobs are served: the live job view keeps every open job but only the
 * `keepEndedJobs` most recent ended ones (the log keeps them all; GET /v1/jobs/:id reads older ones
 * from it). Without this bound the view grew by ~600 bytes per job served, forever.
 */
import { jobFailed } from "../core/events.ts";
import { evolveProjections, initialProjections, type Projections } from "../core/projections/index.ts";
import type { EventStore } from "../store/types.ts";

/** Ended jobs kept in the live view (open jobs are always kept). */
export const KEEP_ENDED_JOBS = 10_000;

/**
 * @example
 * const views = recover(store); // views.streams.get(7n)?.metered -> wei metered on stream 7
 */
export function recover(store: EventStore, o: { keepEndedJobs?: number } = {}): Projections {
  const keep = o.keepEndedJobs ?? KEEP_ENDED_JOBS;
  const views = store.replay(evolveProjections, initialProjections());
  const open = [...views.jobs.values()].filter((j) => j.status === "accepted" || j.status === "running");
  if (open.length > 0) {
    const { stored } = store.append(
      open.map((j) => jobFailed({ jobId: j.jobId, streamId: j.streamId, code: "JOB_ABORTED", message: "The runtime stopped while this job ran; it is not billed.", meteredMs: 0n, cost: 0n })),
    );
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

/** Streams this runtime served that have not ended on chain. */
export function openServedStreams(views: Projections): bigint[] {
  return [...views.streams.values()].filter((s) => s.jobs > 0 && (s.status === "open" || s.status === "unknown")).map((s) => s.streamId);
}
