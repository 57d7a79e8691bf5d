/**
 * The event store's public shape. The runtime, the CLI and the dashboard depend on this interface
 * only; the SQLite implementation (./sqlite-store.ts) is one of possibly several (a fleet could put
 * its log in PostgreSQL later without touching core/).
 */
import type { EventType, NewEvent, StoredEvent } from "../core/events.ts";
import type { DriverChoice, DriverName } from "./driver.ts";

/**
 * What an acknowledged append survives (see README "Durability"):
 * - "normal": WAL + synchronous=NORMAL. Survives the process being killed (SIGKILL, OOM, crash);
 *   after an OS crash or power cut the last commits may be lost, but the log stays consistent
 *   (a prefix of what was acknowledged, hash chain intact).
 * - "full": WAL + synchronous=FULL. Also survives an OS crash or power cut (fsync on every commit),
 *   at ~0.2 ms more per append on this machine's disk.
 */
export type Durability = "normal" | "full";

export type StoreOptions = {
  /** The SQLite file; ":memory:" for a throwaway log. */
  path: string;
  /** "auto" (default): node:sqlite under Deno, better-sqlite3 elsewhere (node:sqlite if it cannot load). */
  driver?: DriverChoice;
  /** Default "normal". */
  durability?: Durability;
  /** Open for reading only (the CLI's replay/audit/verify): never creates or migrates; the file must exist. */
  readonly?: boolean;
  /** A hard cap on the file size, in 4 KiB pages; appends beyond it fail with STORE_DISK_FULL. */
  maxPageCount?: number;
  /**
   * Where WAL checkpoints run (writable files only). "inline" (default): SQLite's own, inside the commit
   * that crosses 10,000 pages. "background": a worker thread (./checkpointer.ts), better-sqlite3 under
   * Node only; elsewhere, or if the worker fails, it is "inline".
   */
  checkpoint?: "inline" | "background";
  /** With "background": WAL pages that trigger a checkpoint (default 4000) and how often to look (default 200 ms). */
  checkpointPages?: number;
  checkpointIntervalMs?: number;
  /** With "background": hears why the worker stopped (its checkpoints are then inline again). */
  onCheckpointError?: (err: unknown) => void;
};

export type AppendResult = {
  /** The events written now, in order, with their positions and hashes. */
  stored: StoredEvent[];
  /** How many inputs were already in the log (same dedupe id) and were not written again. */
  duplicates: number;
};

export type AppendOptions = {
  /** Set a cursor in the same transaction as the events (e.g. the watcher's last block). */
  cursor?: { name: string; value: string };
  /**
   * Runs inside the append's transaction before the inserts (e.g. an expected-version check);
   * throwing rolls the append back. Used by the async store (./async-sqlite.ts).
   */
  before?: (tx: StoreTransaction) => void;
  /** Runs inside the transaction after the inserts, with what was stored; throwing rolls it all back. */
  after?: (tx: StoreTransaction, result: AppendResult) => void;
  /**
   * This commit is synced to disk before the append returns, whatever the log's durability
   * (synchronous=FULL for this one commit): for a rare fact a power cut must not take, such as the
   * gateway's StreamOpening, without an fsync on every other append.
   */
  synced?: boolean;
};

/** Plain SQL inside a store transaction (positional `?` parameters). */
export interface StoreTransaction {
  get(sql: string, ...params: Array<string | number | bigint | null>): Record<string, unknown> | undefined;
  run(sql: string, ...params: Array<string | number | bigint | null>): { changes: number };
}

export type ReadQuery = {
  /** First position, inclusive (default 1). */
  from?: number;
  /** Last position, inclusive (default: the end). */
  to?: number;
  key?: string;
  types?: readonly EventType[];
  limit?: number;
};

export type VerifyResult = {
  ok: boolean;
  /** Events whose hash was checked. */
  checked: number;
  /** The first position whose hash, or place in the sequence, is wrong. */
  firstBadPosition?: number;
  reason?: string;
  /** The hash of the last event checked: note it to detect a later truncation of the log's tail. */
  head?: string;
};

export type StoreInfo = {
  path: string; driver: DriverName; durability: Durability; readonly: boolean; schemaVersion: number;
  /** SQLite's journal mode in force ("wal"; "memory" for ":memory:"). */
  journalMode: string;
  /** SQLite's synchronous level in force: 1 NORMAL, 2 FULL. */
  synchronous: number;
  lastPosition: number;
};

export type Evolve<S> = (state: S, event: StoredEvent) => S;
export type Listener = (event: StoredEvent) => void;

export interface EventStore {
  readonly path: string;
  readonly driver: DriverName;
  readonly durability: Durability;
  readonly readonly: boolean;
  /** Appends one event or a batch atomically. Duplicates (same dedupe id) are counted, not stored. */
  append(events: NewEvent | readonly NewEvent[], opts?: AppendOptions): AppendResult;
  read(query?: ReadQuery): StoredEvent[];
  readByKey(key: string): StoredEvent[];
  /** The position of the newest event; 0 for an empty log. */
  lastPosition(): number;
  /** Folds every event (up to `until`, inclusive) into `init` with `evolve`, in position order. */
  replay<S>(evolve: Evolve<S>, init: S, opts?: { until?: number }): S;
  /** Recomputes the hash chain from the first event. */
  verify(): VerifyResult;
  /**
   * Copies the write-ahead log back into the database file now (SQLite PASSIVE checkpoint: never
   * waits for readers). Call it when idle to keep that work off request paths; SQLite also does it
   * by itself every ~10000 pages. Returns the WAL's size and how much of it was copied, in pages.
   */
  checkpoint(): { walPages: number; checkpointedPages: number };
  /** Path, driver, durability and the SQLite settings actually in force (for /health and tests). */
  info(): StoreInfo;
  /** Whether a JobAccepted with this (streamId, nonce) is in the log. */
  hasNonce(streamId: bigint, nonce: bigint): boolean;
  getCursor(name: string): string | undefined;
  setCursor(name: string, value: string): void;
  /** Calls `listener` for each event after its append commits. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void;
  close(): void;
}

/** The SQLite store, with its own transactions for the async store's slots and leases. */
export interface SqliteEventStore extends EventStore {
  /** Runs `fn` in one IMMEDIATE transaction (writable stores only); throwing rolls it back. */
  transaction<T>(fn: (tx: StoreTransaction) => T): T;
}
