/**
 * `admitJob` on PostgreSQL in four round trips (it runs once per paid request): take the append
 * lock and the stream's slot lock; read the tail, whether the nonce is taken and how many slots are
 * held; insert the JobAccepted and the slot in one statement; commit. A taken nonce or a full
 * stream rolls back having written nothing. Same locks as ./append.ts and ./slots.ts, in the same
 * order (append, then stream), so it serializes with every other append and slot change.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { EVENT_VERSION, type NewEvent, type StoredEvent } from "../../core/events.ts";
import type { AdmitResult, SlotRequest } from "../async-types.ts";
import { chainHashOf, GENESIS_HASH } from "../hash.ts";
import { prepareInput } from "../sqlite-store.ts";
import { LOCK_APPEND, LOCK_CLASS, LOCK_CLASS_SLOTS } from "./locks.ts";

const STATE_SQL = `SELECT
  (SELECT position FROM events ORDER BY position DESC LIMIT 1) AS position,
  (SELECT hash FROM events ORDER BY position DESC LIMIT 1) AS hash,
  EXISTS (SELECT 1 FROM events WHERE dedupe = $1) AS taken,
  (SELECT count(*) FROM stream_slots WHERE stream_id = $2 AND expires_at > claw_now_ms()) AS slots`;

const WRITE_SQL = `WITH event AS (
    INSERT INTO events (position, type, v, key, time, dedupe, data, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ), expired AS (
    DELETE FROM stream_slots WHERE $9::text IS NOT NULL AND stream_id = $10 AND expires_at <= claw_now_ms()
  ), slot AS (
    INSERT INTO stream_slots (slot_id, stream_id, holder, acquired_at, expires_at)
    SELECT $9, $10, $11, claw_now_ms(), claw_now_ms() + $12 WHERE $9::text IS NOT NULL
    RETURNING expires_at
  )
  SELECT (SELECT expires_at FROM slot) AS expires_at`;

/**
 * @example
 * const r = await admitOnPostgres(client, jobAccepted({ ... }), { streamId: 7n, capacity: 2, holder: "i1", ttlMs: 60_000 });
 */
export async function admitOnPostgres(client: pg.PoolClient, accepted: NewEvent<"JobAccepted">, slot?: SlotRequest): Promise<AdmitResult> {
  const p = prepareInput(accepted, Date.now());
  const stream = accepted.data.streamId.toString();
  // Simple-protocol batch (no parameters): the stream id is a bigint's decimal digits, safe inline.
  const streamLock = slot ? `; SELECT pg_advisory_xact_lock(${LOCK_CLASS_SLOTS}, hashtext('${stream}'))` : "";
  await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${LOCK_APPEND})${streamLock}`);
  try {
    const state = (await client.query(STATE_SQL, [p.dedupe, stream])).rows[0] as
      { position: string | null; hash: string | null; taken: boolean; slots: string };
    const inUse = Number(state.slots);
    if (state.taken || (slot && inUse >= slot.capacity)) {
      await client.query("ROLLBACK");
      return state.taken ? { admitted: false, reason: "duplicate-nonce" } : { admitted: false, reason: "no-slot", inUse, capacity: slot!.capacity };
    }
    const position = (state.position === null ? 0 : Number(state.position)) + 1;
    const hash = chainHashOf(state.hash ?? GENESIS_HASH, position, p.e.type, EVENT_VERSION, p.time, p.e.key, p.dedupe, p.data);
    const slotId = slot ? randomUUID() : null;
    const row = (await client.query(WRITE_SQL, [position, p.e.type, EVENT_VERSION, p.e.key, p.time, p.dedupe, p.data, hash,
      slotId, stream, slot?.holder ?? null, slot?.ttlMs ?? null])).rows[0] as { expires_at: string | null };
    await client.query("COMMIT");
    const event = { position, type: "JobAccepted", v: EVENT_VERSION, key: p.e.key, data: accepted.data, time: p.time, dedupe: p.dedupe, hash } as StoredEvent<"JobAccepted">;
    if (!slot || slotId === null) return { admitted: true, event };
    return { admitted: true, event, slot: { slotId, streamId: slot.streamId, holder: slot.holder, expiresAtMs: Number(row.expires_at) } };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
