/**
 * The runtime store over a log that several instances of one provider share (PostgreSQL, via the
 * async store). What they must agree on is decided in the database, in the same transaction as the
 * event that needs it:
 * - a nonce is admitted once across all instances (`admitJob`: JobAccepted's unique dedupe id);
 * - a stream never runs more than floor(rate / price) jobs at once across all instances (one of its
 *   slots is taken in that transaction, renewed while the job runs, released when it has ended);
 * - one settler and one chain watcher (`tryLead`: an advisory lock held by a live session).
 * Reads are synchronous on this instance's exact copy of the log (./log-mirror.ts); every append
 * resolves only once the copy (and so the views folded from it) holds it: read-your-writes.
 * Which events of the log are this instance's own is known only here, as its appends commit
 * (`subscribeOwn`: the per-instance metrics); the events themselves do not name an instance.
 */
import type { NewEvent, StoredEvent } from "../core/events.ts";
import type { AcceptOutcome, HeldSlot } from "../server/guard/admit.ts";
import { createAsyncGroupCommitter } from "../store/async-group-commit.ts";
import type { AsyncEventStore } from "../store/async-types.ts";
import { openLogMirror } from "./log-mirror.ts";
import { newInstanceId, type RuntimeStore } from "./runtime-store.ts";
import { createSlotKeeper } from "./slot-keeper.ts";

/**
 * @example
 * const port = await sharedRuntimeStore(await openAsyncStore({ url }), { onError: (err) => log.warn({ err }) });
 */
export async function sharedRuntimeStore(
  shared: AsyncEventStore, o: { slotTtlMs?: number; onError?: (err: unknown) => void } = {},
): Promise<RuntimeStore> {
  const instanceId = newInstanceId();
  let mirror;
  try {
    mirror = await openLogMirror(shared, { onBroken: (err) => o.onError?.(err) });
  } catch (err) {
    await shared.close();
    throw err;
  }
  const m = mirror;
  const journal = createAsyncGroupCommitter(shared);
  const keeper = createSlotKeeper(shared, { ...(o.slotTtlMs ? { ttlMs: o.slotTtlMs } : {}), ...(o.onError ? { onError: o.onError } : {}) });
  const own = new Set<(e: StoredEvent) => void>();
  // Told as soon as the commit returns (before the copy shows it): a listener's failure is not the append's.
  const tellOwn = (events: readonly StoredEvent[]) => {
    for (const e of events) for (const l of own) try { l(e); } catch (err) { o.onError?.(err); }
  };

  async function accept(e: NewEvent<"JobAccepted">, slot?: { capacity: number; holdUntilMs: number }): Promise<AcceptOutcome> {
    const res = await shared.admitJob(e, slot ? { slot: { capacity: slot.capacity, holder: `${instanceId}/${e.data.jobId}`, ttlMs: keeper.ttlMs } } : {});
    if (!res.admitted) {
      return res.reason === "duplicate-nonce" ? { duplicate: true } : { duplicate: false, busy: { inUse: res.inUse, capacity: res.capacity } };
    }
    tellOwn([res.event]);
    const held = res.slot ? keeper.hold(res.slot.slotId, slot?.holdUntilMs ?? Date.now()) : undefined;
    try {
      await m.waitFor(res.event.position);
    } catch (err) {
      await held?.release();
      throw err;
    }
    return { duplicate: false, ...(held ? { slot: held } : {}) };
  }

  return {
    driver: shared.driver,
    shared: true,
    instanceId,
    log: m.log,
    async append(e) {
      const { event, duplicate } = await journal.append(e);
      if (event) {
        tellOwn([event]);
        await m.waitFor(event.position);
      }
      return { duplicate };
    },
    accept,
    async appendBatch(events, opts) {
      const res = await shared.append(events, opts);
      tellOwn(res.stored);
      const last = res.stored.at(-1);
      if (last) await m.waitFor(last.position);
      return { duplicates: res.duplicates };
    },
    getCursor: (name) => shared.getCursor(name),
    // The copy answers most replays without a round trip; the database answers the rest (and
    // admitJob decides in any case).
    hasNonce: async (s, n) => m.log.hasNonce(s, n) || (await shared.hasNonce(s, n)),
    tryLead: (role) => shared.tryLead(role),
    subscribeOwn(listener) {
      own.add(listener);
      return () => void own.delete(listener);
    },
    slotsInUse: (streamId) => shared.slotsInUse(streamId),
    async holdAllSlots(streamId, capacity, holdMs) {
      const held: HeldSlot[] = [];
      const releaseAll = async () => { await Promise.all(held.map((h) => h.release())); };
      try {
        for (let i = 0; i < capacity; i++) {
          const r = await shared.acquireSlot({ streamId, capacity, holder: `${instanceId}/settling`, ttlMs: keeper.ttlMs });
          if (!r.ok) { await releaseAll(); return null; }
          held.push(keeper.hold(r.slot.slotId, Date.now() + holdMs));
        }
      } catch (err) {
        await releaseAll();
        throw err;
      }
      return { release: releaseAll };
    },
    catchUp: () => m.catchUp(),
    health() {
      const broken = m.broken;
      return { ok: !broken, position: m.log.lastPosition(), driver: shared.driver, ...(broken ? { detail: broken.message } : {}) };
    },
    flush: () => journal.flush(),
    async close() {
      await journal.flush();
      await keeper.stop();
      own.clear();
      m.close();
      await shared.close();
    },
  };
}
