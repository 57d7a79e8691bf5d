/**
 * The async EventStore on PostgreSQL (node-postgres): one database shared by several runtime
 * instances of one provider. Appends are serialized (./append.ts); reads return only rows written
 * by transactions older than the oldest one still in flight, so a reader following the log by
 * position never skips a row that commits late (the rule Emmett's PostgreSQL store follows).
 */
import pg from "pg";
import { ClawError } from "../../core/errors.ts";
import { nonceDedupe, type NewEvent, type StoredEvent } from "../../core/events.ts";
import { checkAccepted, checkLeaderName, checkSlotRequest, checkTtl } from "../async-common.ts";
import type { AdmitResult, AsyncEventStore } from "../async-types.ts";
import { decodeRow, EVENT_COLUMNS } from "../decode-row.ts";
import { createFollower } from "../follow.ts";
import type { ReadQuery } from "../types.ts";
import { admitOnPostgres } from "./admit.ts";
import { appendOnPostgres } from "./append.ts";
import { pgError, redactUrl } from "./errors.ts";
import { tryLeadOnPostgres } from "./leader.ts";
import { preparePostgresSchema } from "./migrate.ts";
import { RELEASE_SLOT_SQL, RENEW_SLOT_SQL, SLOTS_IN_USE_SQL, takeSlotOnPostgres } from "./slots.ts";
import { verifyRows } from "./verify.ts";

export type PostgresStoreOptions = {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Open for reading only (the CLI): never migrates; the schema must exist. */
  readonly?: boolean;
  /** Pooled connections (default 10); leaders use one connection each on top. */
  poolSize?: number;
  /** How often subscriptions look for other instances' events (default 250 ms). */
  pollMs?: number;
  /** How often a leader checks its session is alive (default 2000 ms). */
  leaderHeartbeatMs?: number;
};

/** Rows below the oldest in-flight transaction: nothing that can still commit lies before them. */
const VISIBLE = "tx < pg_snapshot_xmin(pg_current_snapshot())";
const PAGE = 2048;

/**
 * @example
 * const store = await openPostgresStore({ url: process.env.CLAW_STORE_URL! });
 * const { admitted } = await store.admitJob(jobAccepted({ ... }), { slot: { capacity: 2, holder: "i1", ttlMs: 60_000 } });
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<AsyncEventStore> {
  const where = redactUrl(opts.url);
  const readonly = opts.readonly ?? false;
  const pool = new pg.Pool({
    connectionString: opts.url, max: opts.poolSize ?? 10, keepAlive: true, application_name: "claw-store", connectionTimeoutMillis: 10_000,
  });
  // An idle pooled connection that dies is emitted here; the pool drops it and the next query reconnects.
  // After close() the pool has let go of its connections, but their sockets may close a moment later: quiet then.
  pool.on("error", (err) => { if (!closed) console.error(`event store: a pooled connection to ${where} failed: ${err.message}`); });
  let closed = false;
  let schemaVersion: number;
  try {
    const client = await pool.connect();
    try { schemaVersion = await preparePostgresSchema(client, where, { readonly }); } finally { client.release(); }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw pgError(err, where, "open");
  }
  const leaderClosers = new Set<() => void>();

  async function db<T>(action: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new ClawError("STORE_CLOSED", { message: `Cannot ${action}: the event log in ${where} is closed.` });
    try { return await fn(); } catch (err) { throw pgError(err, where, action); }
  }
  function writable(action: string): void {
    if (readonly) throw new ClawError("STORE_READ_ONLY", { message: `Cannot ${action}: the event log in ${where} was opened read-only.`, details: { database: where } });
  }
  async function withClient<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try { return await fn(client); } finally { client.release(); }
  }
  async function inTransaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withClient(async (c) => {
      await c.query("BEGIN");
      try { const r = await fn(c); await c.query("COMMIT"); return r; } catch (err) { await c.query("ROLLBACK").catch(() => undefined); throw err; }
    });
  }
  const rows = async (sql: string, params: unknown[]): Promise<unknown[][]> =>
    (await pool.query({ text: sql, values: params, rowMode: "array" })).rows as unknown[][];

  async function read(q: ReadQuery = {}): Promise<StoredEvent[]> {
    return db("read", async () => {
      const where_ = ["position >= $1", "position <= $2", VISIBLE];
      const params: unknown[] = [q.from ?? 1, q.to ?? Number.MAX_SAFE_INTEGER];
      if (q.key !== undefined) { params.push(q.key); where_.push(`key = $${params.length}`); }
      if (q.types && q.types.length > 0) { params.push(q.types); where_.push(`type = ANY($${params.length}::text[])`); }
      params.push(q.limit ?? null);
      const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where_.join(" AND ")} ORDER BY position LIMIT $${params.length}`;
      return (await rows(sql, params)).map((r) => decodeRow(r, where));
    });
  }
  const lastPosition = (): Promise<number> => db("read", async () =>
    Number((await pool.query(`SELECT coalesce(max(position), 0) AS p FROM events WHERE ${VISIBLE}`)).rows[0].p));
  const follower = createFollower({ readAfter: (after, limit) => read({ from: after + 1, limit }), lastPosition }, { pollMs: opts.pollMs ?? 250 });

  async function append(events: NewEvent | readonly NewEvent[], o?: Parameters<AsyncEventStore["append"]>[1]) {
    writable("append");
    const list = Array.isArray(events) ? (events as readonly NewEvent[]) : [events as NewEvent];
    const res = await db("append", () => withClient((c) => appendOnPostgres(c, list, o)));
    if (res.stored.length > 0) follower.poke();
    return res;
  }

  async function admitJob(accepted: NewEvent<"JobAccepted">, o?: Parameters<AsyncEventStore["admitJob"]>[1]): Promise<AdmitResult> {
    writable("admit a job");
    checkAccepted(accepted);
    const req = o?.slot ? { ...o.slot, streamId: accepted.data.streamId } : undefined;
    if (req) checkSlotRequest(req);
    const res = await db("admit a job", () => withClient((c) => admitOnPostgres(c, accepted, req)));
    if (res.admitted) follower.poke();
    return res;
  }

  async function replay<S>(evolve: (s: S, e: StoredEvent) => S, init: S, o: { until?: number } = {}): Promise<S> {
    return db("replay", async () => {
      let state = init;
      let after = 0;
      for (;;) {
        const page = await rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 AND position <= $2 AND ${VISIBLE} ORDER BY position LIMIT ${PAGE}`,
          [after, o.until ?? Number.MAX_SAFE_INTEGER]);
        for (const r of page) state = evolve(state, decodeRow(r, where));
        if (page.length < PAGE) return state;
        after = Number(page[page.length - 1]![0]);
      }
    });
  }

  return {
    driver: "postgres",
    append,
    admitJob,
    read,
    readByKey: (key) => read({ key }),
    lastPosition,
    replay,
    verify: () => db("verify", () => verifyRows((after) =>
      rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE position > $1 AND ${VISIBLE} ORDER BY position LIMIT ${PAGE}`, [after]), PAGE)),
    hasNonce: (streamId, nonce) => db("read", async () =>
      (await pool.query("SELECT 1 FROM events WHERE dedupe = $1", [nonceDedupe(streamId, nonce)])).rowCount === 1),
    getCursor: (name) => db("read cursor", async () =>
      (await pool.query<{ value: string }>("SELECT value FROM cursors WHERE name = $1", [name])).rows[0]?.value),
    setCursor: async (name, value) => {
      writable("set cursor");
      await db("set cursor", () => pool.query(`INSERT INTO cursors (name, value, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, [name, value, Date.now()]));
    },
    acquireSlot: async (req) => {
      writable("take a slot");
      checkSlotRequest(req);
      return db("take a slot", () => inTransaction((c) => takeSlotOnPostgres(c, req)));
    },
    renewSlot: async (slotId, ttlMs) => {
      writable("renew a slot");
      checkTtl(ttlMs);
      return db("renew a slot", async () => (await pool.query(RENEW_SLOT_SQL, [slotId, ttlMs])).rowCount === 1);
    },
    releaseSlot: async (slotId) => {
      writable("release a slot");
      await db("release a slot", () => pool.query(RELEASE_SLOT_SQL, [slotId]));
    },
    slotsInUse: (streamId) => db("read", async () => Number((await pool.query(SLOTS_IN_USE_SQL, [streamId.toString()])).rows[0].n)),
    tryLead: async (name) => {
      checkLeaderName(name);
      return db("elect a leader", () => tryLeadOnPostgres(name, {
        url: opts.url, heartbeatMs: opts.leaderHeartbeatMs ?? 2000,
        onOpen: (close) => { leaderClosers.add(close); return () => void leaderClosers.delete(close); },
      }));
    },
    subscribe: (listener, o) => follower.subscribe(listener, o),
    info: async () => ({ driver: "postgres", location: where, readonly, schemaVersion, lastPosition: await lastPosition() }),
    async close() {
      if (closed) return;
      closed = true;
      follower.stop();
      for (const close of [...leaderClosers]) close();
      await pool.end();
    },
  };
}
