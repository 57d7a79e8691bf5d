/**
 * The asynchronous event store: one interface, two drivers (SQLite for the embedded default,
 * PostgreSQL for several runtime instances of one provider sharing one log). Besides the log it
 * holds what instances must agree on: one nonce space (`admitJob`), one slot count per stream
 * (`acquireSlot`/`releaseSlot`) and one leader per role (`tryLead`).
 *
 * Shape after Emmett's event store (append with an expected version, read, subscribe), written
 * for this log: global positions, a hash chain, dedupe ids.
 */
import type { EventType, NewEvent, StoredEvent } from "../core/events.ts";
import type { AppendResult, Evolve, ReadQuery, VerifyResult } from "./types.ts";

export type AsyncDriverName = "better-sqlite3" | "node:sqlite" | "postgres";

export type AsyncAppendOptions = {
  /** Set a cursor in the same transaction as the events (e.g. the watcher's last block). */
  cursor?: { name: string; value: string };
  /**
   * Optimistic concurrency: the append happens only if the newest event with `key` is at
   * `position` (0: no event with that key yet); otherwise it fails with STORE_CONFLICT and
   * nothing is written.
   */
  expected?: { key: string; position: number };
};

/** One parallel slot of a stream, held by one job on one instance until released or expired. */
export type SlotLease = { slotId: string; streamId: bigint; holder: string; expiresAtMs: number };

export type SlotRequest = {
  streamId: bigint;
  /**
   * How many jobs the stream pays for at once: `parallelSlots()` of runtime/core/admission.ts,
   * i.e. floor(rate / price). Checked against the count held in the database, atomically.
   */
  capacity: number;
  /** Who holds it (an instance id and a job id, for diagnosis). */
  holder: string;
  /**
   * The slot frees itself after this long, so a crashed instance's slots return (set it to the
   * job's reserved time plus a margin; `renewSlot` extends it).
   */
  ttlMs: number;
};

export type SlotResult = { ok: true; slot: SlotLease } | { ok: false; inUse: number; capacity: number };

export type AdmitResult =
  | { admitted: true; event: StoredEvent<"JobAccepted">; slot?: SlotLease }
  /** The (streamId, nonce) was already admitted, by this or any other instance: nothing written. */
  | { admitted: false; reason: "duplicate-nonce" }
  /** Every slot is held: nothing written, the nonce stays unused (the caller may wait and retry). */
  | { admitted: false; reason: "no-slot"; inUse: number; capacity: number };

/**
 * Leadership of one role (e.g. "settler", "watcher") across the instances sharing a store.
 * PostgreSQL: a session advisory lock on a connection of its own, lost when that session ends
 * (the holder crashes, its connection is killed, or a heartbeat fails). SQLite: a row naming the
 * holder's process, taken over when that process (or the holding store) is gone.
 */
export interface LeaderLease {
  readonly name: string;
  /** The holder's session: the backend pid on PostgreSQL, `pid:<n>` on SQLite. */
  readonly session: string;
  /** False once lost or released. Check it before each leader-only action. */
  held(): boolean;
  /** Resolves when leadership is lost (not when released on purpose). */
  readonly lost: Promise<void>;
  release(): Promise<void>;
};

export type AsyncStoreInfo = {
  driver: AsyncDriverName;
  /** The SQLite file, or the PostgreSQL URL without its password. */
  location: string;
  readonly: boolean;
  schemaVersion: number;
  lastPosition: number;
};

export type AsyncListener = (event: StoredEvent) => void;

export interface AsyncEventStore {
  readonly driver: AsyncDriverName;
  /** Appends one event or a batch atomically, in order, hash-chained. Duplicates are counted, not stored. */
  append(events: NewEvent | readonly NewEvent[], opts?: AsyncAppendOptions): Promise<AppendResult>;
  /**
   * Admits a job: appends its JobAccepted unless its (streamId, nonce) is already in the log, and,
   * with `slot`, takes one of the stream's slots — all in ONE transaction, so across instances a
   * nonce is served once and a stream never runs more jobs than its capacity.
   */
  admitJob(accepted: NewEvent<"JobAccepted">, opts?: { slot?: Omit<SlotRequest, "streamId"> }): Promise<AdmitResult>;
  /** Events in position order. Never skips an event that commits after a later position was read. */
  read(query?: ReadQuery): Promise<StoredEvent[]>;
  readByKey(key: string): Promise<StoredEvent[]>;
  /** The newest readable position; 0 for an empty log. */
  lastPosition(): Promise<number>;
  replay<S>(evolve: Evolve<S>, init: S, opts?: { until?: number }): Promise<S>;
  verify(): Promise<VerifyResult>;
  hasNonce(streamId: bigint, nonce: bigint): Promise<boolean>;
  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string): Promise<void>;
  acquireSlot(req: SlotRequest): Promise<SlotResult>;
  /** Extends a held slot; false when it had already expired or been released. */
  renewSlot(slotId: string, ttlMs: number): Promise<boolean>;
  releaseSlot(slotId: string): Promise<void>;
  /** Slots held now for a stream (unexpired). */
  slotsInUse(streamId: bigint): Promise<number>;
  /** Leadership of `name`, or null when another live session holds it. */
  tryLead(name: string): Promise<LeaderLease | null>;
  /**
   * Calls `listener` once for each event after position `from`, in position order, whichever
   * instance appended it. Without `from` it starts at the readable end when its first read runs
   * (an event appended meanwhile may be before that start: pass `from` for an exact one).
   * Returns the unsubscribe function.
   */
  subscribe(listener: AsyncListener, opts?: { from?: number; types?: readonly EventType[] }): () => void;
  info(): Promise<AsyncStoreInfo>;
  close(): Promise<void>;
}
