/**
 * What start.ts adds when the log is shared by several instances of one provider (store.url):
 * the ledger follows the other instances (./follow-instances.ts), admissions take the stream's slot
 * in the database and remember which jobs are this instance's, the settler settles the log's total
 * only after catching up with every instance and finding no slot held, and the settler's leader
 * closes the jobs of dead instances (./reaper.ts).
 */
import type { NewEvent } from "../core/events.ts";
import type { Projections } from "../core/projections/index.ts";
import type { BudgetLedger } from "../scheduler/budget-ledger.ts";
import type { AdmissionStore, HeldSlot } from "../server/guard/admit.ts";
import { followInstances, foreignOpenJobs, type StreamTerms } from "./follow-instances.ts";
import { createReaper } from "./reaper.ts";
import type { Role } from "./roles.ts";
import type { RuntimeStore } from "./runtime-store.ts";

/** A stream paying for more jobs at once than this is checked by count instead (one round trip per slot). */
const MAX_HELD_FOR_SETTLE = 64;
/** The settle transaction's whole attempt (send, confirmations) fits in this. */
const SETTLE_HOLD_MS = 5 * 60_000;

export type SharedLogDeps = {
  port: RuntimeStore;
  views: Projections;
  ledger: BudgetLedger;
  knownStreams: Set<bigint>;
  knownProviders: Set<bigint>;
  settlerRole: Role;
  onChainEvent(e: NewEvent): void;
  streamTerms(streamId: bigint): Promise<StreamTerms | null>;
  /** How many jobs the stream pays for at once (floor(rate / price)), when its terms and price are known. */
  capacityOf(streamId: bigint): number | undefined;
  reapEveryMs?: number;
  onReaped?(jobId: string, streamId: bigint): void;
  onError?(err: unknown): void;
};

export type SharedLog = ReturnType<typeof wireSharedLog>;

/**
 * @example
 * const shared = port.shared ? wireSharedLog({ port, views, ledger, ... }) : undefined;
 */
export function wireSharedLog(d: SharedLogDeps) {
  const localJobs = new Set<string>();
  const settling = new Map<bigint, HeldSlot>();
  const { port, views } = d;
  // Subscribed before any stream is tracked: every later event reaches the ledger once.
  const unfollow = followInstances({
    log: port.log, views, ledger: d.ledger, localJobs, knownStreams: d.knownStreams, knownProviders: d.knownProviders,
    onChainEvent: d.onChainEvent, streamTerms: d.streamTerms, ...(d.onError ? { onError: d.onError } : {}),
  });
  const reaper = createReaper({
    views, localJobs, slotsInUse: (id) => port.slotsInUse?.(id) ?? Promise.resolve(0), append: (e) => port.append(e),
    isLeader: () => d.settlerRole.held(), everyMs: d.reapEveryMs ?? 1000,
    onReaped: (j, duplicate) => { if (!duplicate) d.onReaped?.(j.jobId, j.streamId); },
    ...(d.onError ? { onError: d.onError } : {}),
  });

  const admission: AdmissionStore = {
    async append(e, slot) {
      const id = e.data.jobId;
      localJobs.add(id);
      try {
        const r = await port.accept(e, slot);
        if (r.duplicate || r.busy) localJobs.delete(id);
        return r;
      } catch (err) {
        // Whether or not it was written, this instance will not run it: if it was, the reaper
        // closes it once its slot expires, and the ledger counts it as another instance's meanwhile.
        localJobs.delete(id);
        throw err;
      }
    },
    hasNonce: (s, n) => port.hasNonce(s, n),
    meteredTotal: (s) => views.streams.get(s)?.metered ?? 0n,
    foreignJobs: (s) => foreignOpenJobs(views, s, localJobs),
  };

  return {
    localJobs,
    admission,
    /**
     * Up to date with every instance, and no instance runs a job on the stream: this instance takes
     * all of its slots (none if a job holds one), so none can admit a job while it is being settled
     * (else a job admitted meanwhile would be metered and never paid). Released by `afterSettle`.
     */
    async beforeSettle(streamId: bigint): Promise<boolean> {
      await port.catchUp();
      const capacity = d.capacityOf(streamId);
      if (capacity === undefined || capacity > MAX_HELD_FOR_SETTLE || !port.holdAllSlots) {
        return (await (port.slotsInUse?.(streamId) ?? Promise.resolve(0))) === 0;
      }
      const held = await port.holdAllSlots(streamId, Math.max(1, capacity), SETTLE_HOLD_MS);
      if (!held) return false;
      settling.set(streamId, held);
      // Caught up again: a job that ended between the first catch-up and the slots is counted.
      await port.catchUp();
      return true;
    },
    async afterSettle(streamId: bigint): Promise<void> {
      const held = settling.get(streamId);
      settling.delete(streamId);
      await held?.release();
    },
    /** What every instance metered on the stream, as the log says. */
    amountOf: (streamId: bigint): bigint => views.streams.get(streamId)?.metered ?? 0n,
    start: () => reaper.start(),
    async stop() {
      await reaper.stop();
      unfollow();
    },
  };
}
