/**
 * Keeps this instance's stream slots alive in the shared database. A slot is taken with a short
 * lease (`ttlMs`) so that the slots of an instance that dies free themselves soon; while the job
 * holds it, the lease is renewed every `ttlMs / 3`. Renewal stops at the job's own limit (its
 * reservation ends then, core/admission.ts) plus a margin for writing its last event, so a slot
 * whose release was somehow lost still frees itself.
 */
import { clearInterval, setInterval } from "node:timers";
import type { HeldSlot } from "../server/guard/admit.ts";

export type SlotKeeperStore = {
  renewSlot(slotId: string, ttlMs: number): Promise<boolean>;
  releaseSlot(slotId: string): Promise<void>;
};

/** The default lease of a slot: a dead instance's slots free within this. */
export const SLOT_TTL_MS = 30_000;
/** After its job's limit a slot is renewed this much longer (its last events are being written). */
const END_MARGIN_MS = 15_000;

/**
 * @example
 * const keeper = createSlotKeeper(store, { ttlMs: 30_000, onError });
 * const held = keeper.hold(lease.slotId, reservationEndMs); ... await held.release();
 */
export function createSlotKeeper(store: SlotKeeperStore, o: { ttlMs?: number; onError?: (err: unknown) => void } = {}) {
  const ttlMs = o.ttlMs ?? SLOT_TTL_MS;
  const held = new Map<string, number>();
  // Releases in flight: closing waits for them, or the slots would stay taken until they expire.
  const releasing = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const [slotId, untilMs] of held) {
      if (now > untilMs) { held.delete(slotId); continue; }
      store.renewSlot(slotId, ttlMs).then((ok) => {
        // Expired already (this process stalled longer than the lease): its job runs on; the
        // settler may close it as interrupted, and then this job's own ending is a duplicate.
        if (!ok) held.delete(slotId);
      }, (err: unknown) => o.onError?.(err));
    }
  }, Math.max(100, Math.floor(ttlMs / 3)));
  timer.unref();

  return {
    ttlMs,
    /** Holds `slotId` until released, renewing it until `jobEndMs` (+ a margin). */
    hold(slotId: string, jobEndMs: number): HeldSlot {
      held.set(slotId, jobEndMs + END_MARGIN_MS);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          held.delete(slotId);
          const p = store.releaseSlot(slotId).catch((err: unknown) => o.onError?.(err));
          releasing.add(p);
          await p.finally(() => releasing.delete(p));
        },
      };
    },
    get size() { return held.size; },
    /** Waits for the releases in flight, then stops renewing. */
    async stop() {
      await Promise.all([...releasing]);
      clearInterval(timer);
      held.clear();
    },
  };
}
