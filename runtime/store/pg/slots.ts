/**
 * Parallel slots on PostgreSQL: one row per held slot, counted and inserted under a per-stream
 * advisory transaction lock, on the database's clock (claw_now_ms()), so every instance sees one
 * count per stream and a stream never runs more than `capacity` (floor(rate / price)) jobs at once.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { SlotRequest, SlotResult } from "../async-types.ts";
import { LOCK_CLASS_SLOTS } from "./locks.ts";

const TAKE_SQL = `WITH live AS (
    SELECT count(*) AS n FROM stream_slots WHERE stream_id = $1 AND expires_at > claw_now_ms()
  ), ins AS (
    INSERT INTO stream_slots (slot_id, stream_id, holder, acquired_at, expires_at)
    SELECT $2, $1, $3, claw_now_ms(), claw_now_ms() + $4 FROM live WHERE n < $5
    RETURNING expires_at
  )
  SELECT (SELECT n FROM live) AS n, (SELECT expires_at FROM ins) AS expires_at`;

/**
 * Takes a slot inside the caller's open transaction on `client` (the admit's append, or its own).
 * @example
 * await client.query("BEGIN"); const r = await takeSlotOnPostgres(client, req); await client.query("COMMIT");
 */
export async function takeSlotOnPostgres(client: pg.PoolClient, r: SlotRequest): Promise<SlotResult> {
  const stream = r.streamId.toString();
  await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_CLASS_SLOTS, stream]);
  await client.query("DELETE FROM stream_slots WHERE stream_id = $1 AND expires_at <= claw_now_ms()", [stream]);
  const slotId = randomUUID();
  const row = (await client.query(TAKE_SQL, [stream, slotId, r.holder, r.ttlMs, r.capacity])).rows[0] as
    { n: string; expires_at: string | null };
  if (row.expires_at === null) return { ok: false, inUse: Number(row.n), capacity: r.capacity };
  return { ok: true, slot: { slotId, streamId: r.streamId, holder: r.holder, expiresAtMs: Number(row.expires_at) } };
}

export const RENEW_SLOT_SQL =
  "UPDATE stream_slots SET expires_at = claw_now_ms() + $2 WHERE slot_id = $1 AND expires_at > claw_now_ms()";
export const RELEASE_SLOT_SQL = "DELETE FROM stream_slots WHERE slot_id = $1";
export const SLOTS_IN_USE_SQL = "SELECT count(*) AS n FROM stream_slots WHERE stream_id = $1 AND expires_at > claw_now_ms()";
