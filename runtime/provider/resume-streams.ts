/**
 * At start, the streams this provider served that have not ended on chain go back into the budget
 * ledger (so they are settled, also before their end), from the log's views and, where the log
 * lacks their terms, one chain read. A settle act accepted before a restart still holds: those
 * streams take no new job and settle now.
 */
import type { OnChainStream } from "../core/stream.ts";
import type { Projections } from "../core/projections/index.ts";
import type { BudgetLedger } from "../scheduler/budget-ledger.ts";
import type { EventStore } from "../store/types.ts";
import { openServedStreams } from "./recover.ts";

/**
 * @example
 * await resumeOpenStreams({ views, ledger, streams, log: port.log });
 */
export async function resumeOpenStreams(d: {
  views: Projections;
  ledger: BudgetLedger;
  streams: { get(streamId: bigint): Promise<OnChainStream | null> };
  log: Pick<EventStore, "read">;
  /** On a shared log: the jobs other instances run on the stream now. */
  foreignJobs?: (streamId: bigint) => number;
}): Promise<void> {
  const { views, ledger } = d;
  for (const id of openServedStreams(views)) {
    const view = views.streams.get(id);
    const onChain = view?.deposit && view.duration ? undefined : await d.streams.get(id).catch(() => null);
    const deposit = view?.deposit || (onChain?.deposit ?? 0n);
    const startTime = view?.duration ? view.startTime : onChain?.startTime;
    const duration = view?.duration || onChain?.duration;
    // With its timing, a recovered stream is also settled before its end (core/settlement.ts).
    // The views as they are now, after the chain read (on a shared log other instances append meanwhile).
    ledger.track(id, {
      deposit, metered: views.streams.get(id)?.metered ?? 0n, ...(startTime !== undefined && duration ? { startTime, duration } : {}),
      ...(d.foreignJobs ? { activeJobs: d.foreignJobs(id) } : {}),
    });
  }
  for (const e of d.log.read({ types: ["SettleRequested"] })) {
    if (e.type === "SettleRequested" && ledger.has(e.data.streamId)) ledger.close(e.data.streamId);
  }
}
