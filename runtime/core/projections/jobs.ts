/**
 * Per job: accepted -> running -> completed | failed, with its metered time and cost.
 * `evolveJob` is pure; `evolveJobs` applies it to a map the caller owns.
 */
import type { StoredEvent, TokenCounts } from "../events.ts";

export type JobStatus = "accepted" | "running" | "completed" | "failed";

export interface JobView {
  jobId: string;
  streamId: bigint;
  offering: string;
  providerId: bigint | null;
  nonce: bigint | null;
  task: string;
  pricePerSecond: bigint;
  status: JobStatus;
  acceptedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  queuedMs: number | null;
  meteredMs: bigint;
  cost: bigint;
  tokens: TokenCounts | null;
  error: { code: string; message: string } | null;
  /** The last durable progress of a running job (JobProgress): what a crash bills it for. */
  progress: { deliveredMs: bigint; chunks: number; reservedWei: bigint } | null;
}

const blank = (jobId: string, streamId: bigint): JobView => ({
  jobId, streamId, offering: "", providerId: null, nonce: null, task: "", pricePerSecond: 0n, status: "accepted",
  acceptedAt: null, startedAt: null, endedAt: null, queuedMs: null, meteredMs: 0n, cost: 0n, tokens: null, error: null, progress: null,
});

/**
 * The next view of a job after `e` (pure); `undefined` in means not seen yet.
 * @example
 * const view = evolveJob(undefined, acceptedEvent);
 */
export function evolveJob(j: JobView | undefined, e: StoredEvent): JobView | undefined {
  switch (e.type) {
    case "JobAccepted": {
      const d = e.data;
      return {
        ...(j ?? blank(d.jobId, d.streamId)), offering: d.offering, providerId: d.providerId, nonce: d.nonce, task: d.task,
        pricePerSecond: d.pricePerSecond, acceptedAt: e.time,
      };
    }
    case "JobStarted": {
      const prev = j ?? blank(e.data.jobId, e.data.streamId);
      return { ...prev, status: prev.status === "accepted" ? "running" : prev.status, startedAt: e.time, queuedMs: e.data.queuedMs };
    }
    case "JobProgress": {
      const prev = j ?? blank(e.data.jobId, e.data.streamId);
      return { ...prev, progress: { deliveredMs: e.data.deliveredMs, chunks: e.data.chunks, reservedWei: e.data.reservedWei } };
    }
    case "JobCompleted":
      return { ...(j ?? blank(e.data.jobId, e.data.streamId)), status: "completed", endedAt: e.time, meteredMs: e.data.meteredMs,
        cost: e.data.cost, tokens: e.data.tokens };
    case "JobFailed":
      return { ...(j ?? blank(e.data.jobId, e.data.streamId)), status: "failed", endedAt: e.time, meteredMs: e.data.meteredMs,
        cost: e.data.cost, error: { code: e.data.code, message: e.data.message } };
    default:
      return j;
  }
}

const jobEvents = new Set(["JobAccepted", "JobStarted", "JobProgress", "JobCompleted", "JobFailed"]);

/**
 * Applies `e` to its job in the map (which the caller owns). Returns the map.
 * @example
 * const jobs = store.replay(evolveJobs, new Map());
 */
export function evolveJobs(jobs: Map<string, JobView>, e: StoredEvent): Map<string, JobView> {
  if (!jobEvents.has(e.type)) return jobs;
  const jobId = (e.data as { jobId: string }).jobId;
  const next = evolveJob(jobs.get(jobId), e);
  if (next) jobs.set(jobId, next);
  return jobs;
}
