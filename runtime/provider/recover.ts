/**
 * What the runtime must know again after a restart, folded from its log: every stream it served and
 * the total it metered on each, which of those have ended on chain, and jobs that were accepted but
 * never ended (the process died mid-job). Those are recorded as failed at no cost — the runtime cannot
 * prove how long they ran, and rounding goes to the payer.
 */
import { jobFailed, type NewEvent, type StoredEvent } from "../core/events.ts";
import type { EventStore } from "../store/types.ts";

export type RecoveredState = {
  metered: Map<bigint, bigint>;
  deposits: Map<bigint, bigint>;
  served: Set<bigint>;
  ended: Set<bigint>;
  openJobs: Map<string, bigint>;
  providers: Set<bigint>;
};

export function emptyRecovered(): RecoveredState {
  return { metered: new Map(), deposits: new Map(), served: new Set(), ended: new Set(), openJobs: new Map(), providers: new Set() };
}

/** Pure: one event into the recovered state. */
export function evolveRecovered(s: RecoveredState, e: StoredEvent): RecoveredState {
  switch (e.type) {
    case "StreamOpened":
      s.deposits.set(e.data.streamId, e.data.deposit);
      break;
    case "JobAccepted":
      s.served.add(e.data.streamId);
      s.openJobs.set(e.data.jobId, e.data.streamId);
      break;
    case "JobCompleted":
    case "JobFailed":
      s.metered.set(e.data.streamId, (s.metered.get(e.data.streamId) ?? 0n) + e.data.cost);
      s.openJobs.delete(e.data.jobId);
      break;
    case "StreamSettled":
    case "StreamCancelled":
    case "StreamBatchUpdated":
      s.ended.add(e.data.streamId);
      break;
    case "ProviderRegistered":
    case "ProviderUpdated":
      s.providers.add(e.data.providerId);
      break;
    default:
      break;
  }
  return s;
}

/**
 * Replays the log and closes jobs that a crash left open.
 *
 * @example
 * const state = recover(store); // state.metered.get(7n) -> wei metered on stream 7
 */
export function recover(store: EventStore): RecoveredState {
  const state = store.replay(evolveRecovered, emptyRecovered());
  if (state.openJobs.size > 0) {
    const closing: NewEvent[] = [...state.openJobs].map(([jobId, streamId]) =>
      jobFailed({ jobId, streamId, code: "JOB_ABORTED", message: "The runtime stopped while this job ran; it is not billed.", meteredMs: 0n, cost: 0n }),
    );
    store.append(closing);
    state.openJobs.clear();
  }
  return state;
}
