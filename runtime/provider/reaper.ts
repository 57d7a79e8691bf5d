/**
 * Closes the jobs of instances that died, on a log shared by several instances: what a restart's
 * recovery does for a runtime alone on its SQLite log (recover.ts), done by the settler's leader
 * while the others keep serving. A job holds one of its stream's slots in the database from the
 * transaction that admitted it until after its ending is written; a dead instance's slots expire
 * (slot-keeper.ts). So a job still open in the log on a stream with no live slot has no runtime
 * left: it is recorded as failed (JOB_INTERRUPTED), billed up to its last durable progress.
 *
 * Racing a live ending is harmless: a job ends once (its ending's dedupe id), so if the instance's
 * own JobCompleted was written first this JobFailed is a duplicate and is not stored.
 */
import { clearInterval, setInterval } from "node:timers";
import type { NewEvent } from "../core/events.ts";
import type { JobView, Projections } from "../core/projections/index.ts";
import { interruptedJob } from "./recover.ts";

export type ReaperDeps = {
  views: Projections;
  localJobs: Set<string>;
  slotsInUse(streamId: bigint): Promise<number>;
  append(e: NewEvent): Promise<{ duplicate: boolean }>;
  isLeader(): boolean;
  everyMs: number;
  onReaped?(job: JobView, duplicate: boolean): void;
  onError?(err: unknown): void;
};

/**
 * @example
 * const reaper = createReaper({ views, localJobs, slotsInUse, append, isLeader: () => role.held(), everyMs: 2000 });
 * reaper.start();
 */
export function createReaper(d: ReaperDeps) {
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  async function sweepOnce(): Promise<void> {
    if (!d.isLeader()) return;
    const open = new Map<bigint, JobView[]>();
    for (const j of d.views.jobs.values()) {
      if ((j.status !== "accepted" && j.status !== "running") || d.localJobs.has(j.jobId)) continue;
      open.set(j.streamId, [...(open.get(j.streamId) ?? []), j]);
    }
    for (const [streamId, jobs] of open) {
      if (!d.isLeader()) return;
      if ((await d.slotsInUse(streamId)) > 0) continue;
      for (const j of jobs) {
        if (!d.isLeader()) return;
        const { duplicate } = await d.append(interruptedJob(j));
        d.onReaped?.(j, duplicate);
      }
    }
  }

  const sweep = (): Promise<void> => {
    sweeping ??= sweepOnce().catch((err: unknown) => d.onError?.(err)).finally(() => (sweeping = undefined));
    return sweeping;
  };

  return {
    sweep,
    start() {
      timer ??= setInterval(() => void sweep(), d.everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await sweeping;
    },
  };
}
