/**
 * On a log shared by several instances, this instance's budget ledger follows what the others
 * do: their jobs hold slots of a stream (so a stream's floor(rate / price) counts every instance's
 * jobs here too, and the settler never settles while one runs) and their costs add to the stream's
 * metered total. The views already fold every event (recover.ts subscribes first); this adds what
 * is not a projection: the in-memory ledger, the streams the watcher must know, the settle acts and
 * the chain's stop events (only the watcher's leader sees those from the chain itself).
 *
 * Own jobs are in `localJobs` from before their JobAccepted is written until their ending comes
 * back through the log: the ledger counted those itself when it reserved and ended them.
 */
import type { NewEvent, StoredEvent } from "../core/events.ts";
import type { Projections } from "../core/projections/index.ts";
import type { BudgetLedger } from "../scheduler/budget-ledger.ts";
import type { EventStore } from "../store/types.ts";

export type StreamTerms = { deposit: bigint; startTime: bigint; duration: bigint };

export type FollowDeps = {
  log: Pick<EventStore, "subscribe">;
  views: Projections;
  ledger: BudgetLedger;
  localJobs: Set<string>;
  knownStreams: Set<bigint>;
  knownProviders: Set<bigint>;
  /** Stop events (settled, cancelled, depleted) for the running jobs and the settler. */
  onChainEvent(e: NewEvent): void;
  /** The stream's terms from the chain, when the log has no StreamOpened for it yet. */
  streamTerms(streamId: bigint): Promise<StreamTerms | null>;
  onError?(err: unknown): void;
};

/**
 * Jobs of other instances open on a stream now, from the views (what the ledger starts a stream with).
 * @example ledger.track(id, { ...terms, metered, activeJobs: foreignOpenJobs(views, id, localJobs) });
 */
export function foreignOpenJobs(views: Projections, streamId: bigint, localJobs: Set<string>): number {
  let n = 0;
  for (const j of views.jobs.values()) {
    if (j.streamId === streamId && (j.status === "accepted" || j.status === "running") && !localJobs.has(j.jobId)) n++;
  }
  return n;
}

const CHAIN_STOPS = new Set(["StreamSettled", "StreamCancelled", "StreamBatchUpdated"]);

/**
 * @example
 * const stop = followInstances({ log: port.log, views, ledger, localJobs, knownStreams, knownProviders, onChainEvent, streamTerms });
 */
export function followInstances(d: FollowDeps): () => void {
  const tracking = new Set<bigint>();

  /** Starts tracking a stream another instance serves, from the views as they are when the terms are known. */
  async function track(streamId: bigint): Promise<void> {
    if (d.ledger.has(streamId) || tracking.has(streamId)) return;
    tracking.add(streamId);
    try {
      const v = d.views.streams.get(streamId);
      const terms = v && v.duration > 0n ? { deposit: v.deposit, startTime: v.startTime, duration: v.duration } : await d.streamTerms(streamId);
      if (!terms || d.ledger.has(streamId)) return;
      d.ledger.track(streamId, {
        ...terms, metered: d.views.streams.get(streamId)?.metered ?? 0n, activeJobs: foreignOpenJobs(d.views, streamId, d.localJobs),
      });
    } catch (err) {
      d.onError?.(err);
    } finally {
      tracking.delete(streamId);
    }
  }

  function onEvent(e: StoredEvent): void {
    switch (e.type) {
      case "JobAccepted": {
        d.knownStreams.add(e.data.streamId);
        if (d.localJobs.has(e.data.jobId)) return;
        if (d.ledger.has(e.data.streamId)) d.ledger.foreignStarted(e.data.streamId, e.time);
        else void track(e.data.streamId);
        return;
      }
      case "JobCompleted":
      case "JobFailed": {
        if (d.localJobs.delete(e.data.jobId)) return;
        if (d.ledger.has(e.data.streamId)) d.ledger.foreignEnded(e.data.streamId, e.data.cost, e.time);
        else void track(e.data.streamId);
        return;
      }
      // A settle act (the consumer's, or the settler's transaction) closes the stream on every instance.
      case "SettleRequested":
      case "SettlementSubmitted":
        d.ledger.close(e.data.streamId);
        return;
      case "StreamOpened":
        d.knownStreams.add(e.data.streamId);
        return;
      case "ProviderRegistered":
      case "ProviderUpdated":
        d.knownProviders.add(e.data.providerId);
        return;
      default:
        if (CHAIN_STOPS.has(e.type)) d.onChainEvent(e as NewEvent);
    }
  }

  return d.log.subscribe(onEvent);
}
