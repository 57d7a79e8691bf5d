/**
 * The async EventStore over SQLite: the synchronous store (./sqlite-store.ts, better-sqlite3 or
 * node:sqlite) behind promises, plus slots and leaders in its own tables (migration 003). SQLite
 * serializes writers (BEGIN IMMEDIATE), so positions are gap-free, commits happen in position
 * order, and the nonce, the slot count and the append share one transaction as on PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import { ClawError } from "../core/errors.ts";
import type { StoredEvent } from "../core/events.ts";
import { checkAccepted, checkLeaderName, checkSlotRequest, checkTtl, conflict } from "./async-common.ts";
import type { AdmitResult, AsyncEventStore, LeaderLease, SlotRequest, SlotResult } from "./async-types.ts";
import { createFollower } from "./follow.ts";
import { openStore } from "./open.ts";
import { processAlive } from "./process-alive.ts";
import type { StoreOptions, StoreTransaction } from "./types.ts";

/** Store instances open in this process, by holder id: a leader row naming a closed one is free. */
const liveHolders = new Set<string>();

function takeSlot(tx: StoreTransaction, r: SlotRequest): SlotResult {
  const now = Date.now();
  const stream = r.streamId.toString();
  tx.run("DELETE FROM stream_slots WHERE stream_id = ? AND expires_at <= ?", stream, now);
  const inUse = Number(tx.get("SELECT count(*) AS n FROM stream_slots WHERE stream_id = ?", stream)?.n ?? 0);
  if (inUse >= r.capacity) return { ok: false, inUse, capacity: r.capacity };
  const slot = { slotId: randomUUID(), streamId: r.streamId, holder: r.holder, expiresAtMs: now + r.ttlMs };
  tx.run("INSERT INTO stream_slots (slot_id, stream_id, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    slot.slotId, stream, r.holder, now, slot.expiresAtMs);
  return { ok: true, slot };
}

/**
 * @example
 * const store = openSqliteAsyncStore({ path: ".claw/events.db" });
 * await store.append(jobStarted({ jobId, streamId: 7n, queuedMs: 2 }));
 */
export function openSqliteAsyncStore(opts: StoreOptions & { pollMs?: number }): AsyncEventStore {
  const sync = openStore(opts);
  const holderId = `${process.pid}:${randomUUID()}`;
  liveHolders.add(holderId);
  const leases = new Set<() => void>();
  const follower = createFollower({
    readAfter: async (after, limit) => sync.read({ from: after + 1, limit }),
    lastPosition: async () => sync.lastPosition(),
  }, { pollMs: opts.pollMs ?? 250 });
  // Wrapping in an async function turns a synchronous throw into a rejected promise.
  const run = async <T>(fn: () => T): Promise<T> => fn();

  function admit(accepted: Parameters<AsyncEventStore["admitJob"]>[0], slotOpts?: Omit<SlotRequest, "streamId">): AdmitResult {
    checkAccepted(accepted);
    const req = slotOpts ? { ...slotOpts, streamId: accepted.data.streamId } : undefined;
    if (req) checkSlotRequest(req);
    let busy: Extract<SlotResult, { ok: false }> | undefined;
    let slot: SlotResult | undefined;
    let res;
    try {
      res = sync.append(accepted, {
        after(tx, r) {
          if (r.stored.length === 0 || !req) return;
          slot = takeSlot(tx, req);
          if (!slot.ok) { busy = slot; throw new ClawError("STREAM_BUSY", { message: "no free slot (rolled back)" }); }
        },
      });
    } catch (err) {
      if (busy) return { admitted: false, reason: "no-slot", inUse: busy.inUse, capacity: busy.capacity };
      throw err;
    }
    follower.poke();
    if (res.stored.length === 0) return { admitted: false, reason: "duplicate-nonce" };
    const event = res.stored[0] as StoredEvent<"JobAccepted">;
    return slot?.ok ? { admitted: true, event, slot: slot.slot } : { admitted: true, event };
  }

  function tryLead(name: string): LeaderLease | null {
    checkLeaderName(name);
    const now = Date.now();
    const won = sync.transaction((tx) => {
      const row = tx.get("SELECT holder, pid FROM leaders WHERE name = ?", name);
      if (row) {
        const pid = Number(row.pid);
        const alive = pid === process.pid ? liveHolders.has(String(row.holder)) : processAlive(pid);
        if (alive) return false;
      }
      tx.run("INSERT INTO leaders (name, holder, pid, acquired_at) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, acquired_at = excluded.acquired_at",
      name, holderId, process.pid, now);
      return true;
    });
    if (!won) return null;
    let held = true;
    let markLost!: () => void;
    const lost = new Promise<void>((resolve) => { markLost = resolve; });
    const onClose = (): void => { if (held) { held = false; markLost(); } };
    leases.add(onClose);
    return {
      name,
      session: `pid:${process.pid}`,
      held: () => held,
      lost,
      async release() {
        if (!held) return;
        held = false;
        leases.delete(onClose);
        sync.transaction((tx) => tx.run("DELETE FROM leaders WHERE name = ? AND holder = ?", name, holderId));
      },
    };
  }

  return {
    driver: sync.driver,
    append: (events, o) => run(() => {
      const res = sync.append(events, o?.expected ? {
        cursor: o.cursor,
        before(tx) {
          const row = tx.get("SELECT max(position) AS p FROM events WHERE key = ?", o.expected!.key);
          const actual = Number(row?.p ?? 0);
          if (actual !== o.expected!.position) throw conflict(o.expected!.key, o.expected!.position, actual);
        },
      } : { cursor: o?.cursor });
      if (res.stored.length > 0) follower.poke();
      return res;
    }),
    admitJob: (accepted, o) => run(() => admit(accepted, o?.slot)),
    read: (q) => run(() => sync.read(q)),
    readByKey: (key) => run(() => sync.readByKey(key)),
    lastPosition: () => run(() => sync.lastPosition()),
    replay: (evolve, init, o) => run(() => sync.replay(evolve, init, o)),
    verify: () => run(() => sync.verify()),
    hasNonce: (streamId, nonce) => run(() => sync.hasNonce(streamId, nonce)),
    getCursor: (name) => run(() => sync.getCursor(name)),
    setCursor: (name, value) => run(() => sync.setCursor(name, value)),
    acquireSlot: (req) => run(() => { checkSlotRequest(req); return sync.transaction((tx) => takeSlot(tx, req)); }),
    renewSlot: (slotId, ttlMs) => run(() => {
      checkTtl(ttlMs);
      const now = Date.now();
      return sync.transaction((tx) =>
        tx.run("UPDATE stream_slots SET expires_at = ? WHERE slot_id = ? AND expires_at > ?", now + ttlMs, slotId, now).changes === 1);
    }),
    releaseSlot: (slotId) => run(() => void sync.transaction((tx) => tx.run("DELETE FROM stream_slots WHERE slot_id = ?", slotId))),
    slotsInUse: (streamId) => run(() => sync.transaction((tx) =>
      Number(tx.get("SELECT count(*) AS n FROM stream_slots WHERE stream_id = ? AND expires_at > ?", streamId.toString(), Date.now())?.n ?? 0))),
    tryLead: (name) => run(() => tryLead(name)),
    subscribe: (listener, o) => follower.subscribe(listener, o),
    info: () => run(() => {
      const i = sync.info();
      return { driver: i.driver, location: i.path, readonly: i.readonly, schemaVersion: i.schemaVersion, lastPosition: i.lastPosition };
    }),
    async close() {
      follower.stop();
      liveHolders.delete(holderId);
      for (const onClose of leases) onClose();
      leases.clear();
      sync.close();
    },
  };
}
