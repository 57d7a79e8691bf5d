/**
 * The EventStore over one SQLite database (either driver). Appends run in one IMMEDIATE
 * transaction that reads the current tail, so the hash chain stays correct even if another
 * process appended meanwhile. There is no update or delete in this API, and the database's
 * triggers refuse them from anywhere else.
 */
import { ClawError } from "../core/errors.ts";
import { encodeEventData } from "../core/event-codec.ts";
import { EVENT_VERSION, nonceDedupe, type NewEvent, type StoredEvent } from "../core/events.ts";
import { decodeRow, EVENT_COLUMNS } from "./decode-row.ts";
import type { SqlArrayStatement, SqlDatabase, SqlStatement, SqlValue } from "./driver.ts";
import { chainWalk } from "./chain-walk.ts";
import { chainHashOf, GENESIS_HASH } from "./hash.ts";
import { storeError } from "./sqlite-errors.ts";
import type {
  AppendOptions, AppendResult, Durability, Evolve, Listener, ReadQuery, SqliteEventStore, StoreInfo, StoreTransaction,
  VerifyResult,
} from "./types.ts";

const PAGE = 2048;

export type Prepared = { e: NewEvent; time: number; dedupe: string | null; data: string };

/**
 * Checks one input event and encodes its data, as every driver stores it (the PostgreSQL store too).
 * @example
 * const p = prepareInput(jobStarted({ jobId, streamId: 7n, queuedMs: 2 }), Date.now());
 */
export function prepareInput(e: NewEvent, now: number): Prepared {
  if (typeof e !== "object" || e === null) throw invalid("an event must be an object");
  if (e.v !== EVENT_VERSION) throw invalid(`${e.type}: v must be ${EVENT_VERSION}, got ${String(e.v)}`);
  if (typeof e.key !== "string" || e.key === "") throw invalid(`${e.type}: key must be a non-empty string`);
  const time = e.time ?? now;
  if (!Number.isSafeInteger(time) || time < 0) throw invalid(`${e.type}: time must be ms since epoch, got ${String(time)}`);
  if (e.dedupe !== undefined && (typeof e.dedupe !== "string" || e.dedupe === "")) throw invalid(`${e.type}: bad dedupe id`);
  return { e, time, dedupe: e.dedupe ?? null, data: encodeEventData(e.type, e.data) };
}

function invalid(message: string): ClawError {
  return new ClawError("STORE_INVALID_EVENT", { message });
}

/**
 * Builds the store over an opened, migrated database. Use `openStore` rather than this.
 * @example
 * const store = createSqliteStore(db, { path: "events.db", durability: "normal", readonly: false });
 */
export function createSqliteStore(
  db: SqlDatabase, meta: { path: string; durability: Durability; readonly: boolean; schemaVersion: number },
): SqliteEventStore {
  const file = meta.path;
  let closed = false;
  const listeners = new Set<Listener>();
  const statements = new Map<string, SqlStatement>();
  const stmt = (sql: string): SqlStatement => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  };
  const arrayStatements = new Map<string, SqlArrayStatement>();
  const arrays = (sql: string): SqlArrayStatement => {
    let s = arrayStatements.get(sql);
    if (!s) arrayStatements.set(sql, (s = db.prepareArrays(sql)));
    return s;
  };
  const tailSql = "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1";
  const insertSql = "INSERT INTO events (position, type, v, key, time, dedupe, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?) " +
    "ON CONFLICT (dedupe) DO NOTHING";
  const cursorSql = "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?) " +
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";

  const guard = <T>(action: string, fn: () => T): T => {
    if (closed) throw new ClawError("STORE_CLOSED", { message: `Cannot ${action}: the event log ${file} is closed.` });
    try {
      return fn();
    } catch (err) {
      throw storeError(err, file, action);
    }
  };
  const writable = (action: string): void => {
    if (meta.readonly) {
      throw new ClawError("STORE_READ_ONLY", { message: `Cannot ${action}: the event log ${file} was opened read-only.`, details: { file } });
    }
  };

  const tx: StoreTransaction = {
    get: (sql, ...params) => stmt(sql).get(...params),
    run: (sql, ...params) => ({ changes: Number(stmt(sql).run(...params).changes) }),
  };

  const notify = (stored: StoredEvent[]): void => {
    for (const event of stored) {
      for (const listener of listeners) {
        // A failing listener must not turn a committed append into a reported failure.
        try { listener(event); } catch (err) { console.error(`event store listener failed at position ${event.position}:`, err); }
      }
    }
  };

  function append(input: NewEvent | readonly NewEvent[], opts?: AppendOptions): AppendResult {
    writable("append");
    const list = Array.isArray(input) ? (input as readonly NewEvent[]) : [input as NewEvent];
    const now = Date.now();
    const prepared = list.map((e) => prepareInput(e, now));
    const stored: StoredEvent[] = [];
    let duplicates = 0;
    // SQLite cannot change the safety level inside a transaction: it is raised around this one.
    const raise = opts?.synced === true && meta.durability === "normal" && !meta.readonly;
    if (raise) guard("append", () => db.exec("PRAGMA synchronous = FULL"));
    try {
      guard("append", () => db.transaction(() => {
        const tail = stmt(tailSql).get();
        let position = tail ? Number(tail.position) : 0;
        let prev = tail ? String(tail.hash) : GENESIS_HASH;
        opts?.before?.(tx);
        const insert = stmt(insertSql);
        for (const p of prepared) {
          const next = position + 1;
          const hash = chainHashOf(prev, next, p.e.type, EVENT_VERSION, p.time, p.e.key, p.dedupe, p.data);
          const res = insert.run(next, p.e.type, EVENT_VERSION, p.e.key, p.time, p.dedupe, p.data, hash);
          if (Number(res.changes) === 0) {
            duplicates++;
            continue;
          }
          position = next;
          prev = hash;
          stored.push({ position, type: p.e.type, v: EVENT_VERSION, key: p.e.key, data: p.e.data, time: p.time, dedupe: p.dedupe, hash } as StoredEvent);
        }
        if (opts?.cursor) stmt(cursorSql).run(opts.cursor.name, opts.cursor.value, now);
        opts?.after?.(tx, { stored, duplicates });
      }));
    } finally {
      if (raise) guard("append", () => db.exec("PRAGMA synchronous = NORMAL"));
    }
    if (stored.length > 0 && listeners.size > 0) notify(stored);
    return { stored, duplicates };
  }

  function read(q: ReadQuery = {}): StoredEvent[] {
    return guard("read", () => {
      const where = ["position >= ?", "position <= ?"];
      const params: SqlValue[] = [q.from ?? 1, q.to ?? Number.MAX_SAFE_INTEGER];
      if (q.key !== undefined) { where.push("key = ?"); params.push(q.key); }
      if (q.types && q.types.length > 0) { where.push(`type IN (${q.types.map(() => "?").join(", ")})`); params.push(...q.types); }
      params.push(q.limit ?? -1);
      const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(" AND ")} ORDER BY position LIMIT ?`;
      return arrays(sql).all(...params).map((r) => decodeRow(r, file));
    });
  }

  function replay<S>(evolve: Evolve<S>, init: S, opts: { until?: number } = {}): S {
    return guard("replay", () => {
      const page = arrays(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ${PAGE}`);
      const until = opts.until ?? Number.MAX_SAFE_INTEGER;
      let state = init;
      let after = 0;
      for (;;) {
        const rows = page.all(after, until);
        for (const r of rows) state = evolve(state, decodeRow(r, file));
        if (rows.length < PAGE) return state;
        after = Number(rows[rows.length - 1]![0]);
      }
    });
  }

  function verify(): VerifyResult {
    return guard("verify", () => {
      const page = arrays(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ${PAGE}`);
      const walk = chainWalk();
      for (;;) {
        const rows = page.all(walk.after());
        for (const r of rows) {
          const bad = walk.step(r);
          if (bad) return bad;
        }
        if (rows.length < PAGE) return walk.end();
      }
    });
  }

  const pragma = (name: string): string => String(Object.values(stmt(`PRAGMA ${name}`).get() ?? {})[0] ?? "");
  const info = (): StoreInfo => guard("read", () => ({
    path: file, driver: db.driver, durability: meta.durability, readonly: meta.readonly, schemaVersion: meta.schemaVersion,
    journalMode: pragma("journal_mode"), synchronous: Number(pragma("synchronous")), lastPosition: Number(stmt(tailSql).get()?.position ?? 0),
  }));

  return {
    path: file,
    driver: db.driver,
    durability: meta.durability,
    readonly: meta.readonly,
    append,
    read,
    readByKey: (key) => read({ key }),
    lastPosition: () => guard("read", () => Number(stmt(tailSql).get()?.position ?? 0)),
    replay,
    verify,
    info,
    checkpoint() {
      writable("checkpoint");
      return guard("checkpoint", () => {
        const row = stmt("PRAGMA wal_checkpoint(PASSIVE)").get() ?? {};
        return { walPages: Number(row.log ?? 0), checkpointedPages: Number(row.checkpointed ?? 0) };
      });
    },
    hasNonce: (streamId, nonce) =>
      guard("read", () => stmt("SELECT 1 AS hit FROM events WHERE dedupe = ?").get(nonceDedupe(streamId, nonce)) !== undefined),
    getCursor: (name) => guard("read cursor", () => {
      const row = stmt("SELECT value FROM cursors WHERE name = ?").get(name);
      return row === undefined ? undefined : String(row.value);
    }),
    setCursor: (name, value) => {
      writable("set cursor");
      guard("set cursor", () => void stmt(cursorSql).run(name, value, Date.now()));
    },
    transaction<T>(fn: (t: StoreTransaction) => T): T {
      writable("write");
      return guard("write", () => db.transaction(() => fn(tx)));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      db.close();
    },
  };
}
