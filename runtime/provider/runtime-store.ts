/**
 * The runtime's port to its event log: what start.ts wires into the guard, the job runner, the
 * settler and the watcher. Two implementations:
 * - the SQLite log (`store.path`, the default): one runtime per file, exactly today's behaviour —
 *   the synchronous store, group commit, the in-memory ledger as the only slot count, and this
 *   instance always holds every leader role;
 * - a PostgreSQL log shared by several instances of one provider (`store.url`, ./shared-store.ts):
 *   JobAccepted, its nonce and one of the stream's slots in one transaction, leader roles elected
 *   in the database, and an in-memory copy of the log for synchronous reads (./log-mirror.ts).
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { NewEvent, StoredEvent } from "../core/events.ts";
import type { AcceptOutcome, HeldSlot } from "../server/guard/admit.ts";
import type { LeaderLease } from "../store/async-types.ts";
import { createGroupCommitter } from "../store/group-commit.ts";
import type { EventStore } from "../store/types.ts";

export type StoreHealth = { ok: boolean; position: number; driver: string; detail?: string };

export interface RuntimeStore {
  /** "better-sqlite3" | "node:sqlite" | "postgres". */
  readonly driver: string;
  /** True when several instances may share the log: leader roles, database slots and other instances' events apply. */
  readonly shared: boolean;
  /** This instance, as slot holders and /health name it. */
  readonly instanceId: string;
  /** Synchronous reads for the HTTP layer and the views: the SQLite log itself, or this instance's copy of the shared log. */
  readonly log: EventStore;
  /** One event, group-committed; resolves once durable and folded into this instance's views. */
  append(e: NewEvent): Promise<{ duplicate: boolean }>;
  /** A JobAccepted: nonce unique and, on a shared log, one of the stream's slots, in one transaction. */
  accept(e: NewEvent<"JobAccepted">, slot?: { capacity: number; holdUntilMs: number }): Promise<AcceptOutcome>;
  /** A batch with an optional cursor in the same transaction (the chain watcher). */
  appendBatch(events: NewEvent[], opts?: { cursor?: { name: string; value: string } }): Promise<{ duplicates: number }>;
  getCursor(name: string): Promise<string | undefined> | string | undefined;
  hasNonce(streamId: bigint, nonce: bigint): Promise<boolean> | boolean;
  /** Leadership of a role ("settler", "watcher"); null when another live instance holds it. */
  tryLead(role: string): Promise<LeaderLease | null>;
  /** Slots held now for a stream by every instance (shared log); undefined when only this instance's ledger counts. */
  slotsInUse?(streamId: bigint): Promise<number>;
  /**
   * Shared log: takes every one of the stream's `capacity` slots, or none (null) when a job holds one,
   * so that no instance admits a job on it while it is being settled. Released by the caller.
   */
  holdAllSlots?(streamId: bigint, capacity: number, holdMs: number): Promise<HeldSlot | null>;
  /**
   * Calls `listener` with each event THIS instance appended, once committed (a duplicate is not
   * new); never with another instance's. The per-instance metrics count from it. On a SQLite log
   * every event is the one runtime's, so it is the log's own `subscribe`.
   */
  subscribeOwn(listener: (e: StoredEvent) => void): () => void;
  /** Resolves once this instance's views hold every event committed so far (by any instance). */
  catchUp(): Promise<void>;
  health(): StoreHealth;
  /** Writes what is pending. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A name for this process among the provider's instances. */
export function newInstanceId(): string {
  return `${hostname().slice(0, 60)}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** A role this instance holds until it releases it: the only instance on a SQLite log leads every role. */
function soleLease(name: string): LeaderLease {
  let held = true;
  return { name, session: `pid:${process.pid}`, held: () => held, lost: new Promise<void>(() => undefined), release: async () => void (held = false) };
}

/**
 * @example
 * const port = sqliteRuntimeStore(openLocked(() => openStore({ path }), lock));
 */
export function sqliteRuntimeStore(store: EventStore): RuntimeStore {
  const journal = createGroupCommitter(store);
  return {
    driver: store.driver,
    shared: false,
    instanceId: newInstanceId(),
    log: store,
    append: (e) => journal.append(e),
    // The SQLite log has one runtime: its in-memory ledger is the whole slot count.
    accept: (e) => journal.append(e),
    appendBatch: async (events, opts) => store.append(events, opts),
    getCursor: (name) => store.getCursor(name),
    hasNonce: (s, n) => store.hasNonce(s, n),
    tryLead: async (role) => soleLease(role),
    subscribeOwn: (listener) => store.subscribe(listener),
    catchUp: async () => undefined,
    health() {
      try {
        return { ok: true, position: store.lastPosition(), driver: store.driver };
      } catch (err) {
        return { ok: false, position: 0, driver: store.driver, detail: (err as Error).message };
      }
    },
    flush: async () => journal.flush(),
    close: async () => {
      journal.flush();
      store.close();
    },
  };
}
