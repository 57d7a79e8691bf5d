/**
 * Appending on PostgreSQL. Every append transaction first takes one advisory transaction lock, so
 * appends from all instances are serialized: each reads the committed tail, numbers its events
 * tail+1, tail+2, … and chains their hashes exactly as the SQLite store does. Positions stay
 * gap-free (a rolled-back append took no number) and commit in position order. The price is one
 * append transaction at a time per database, which group commit amortizes (many events per
 * transaction). The dedupe unique constraint stays the last word: a row written past the lock
 * would fail the append, never be silently dropped.
 */
import type pg from "pg";
import { EVENT_VERSION, type NewEvent, type StoredEvent } from "../../core/events.ts";
import { conflict } from "../async-common.ts";
import type { AsyncAppendOptions } from "../async-types.ts";
import { chainHashOf, GENESIS_HASH } from "../hash.ts";
import { prepareInput } from "../sqlite-store.ts";
import type { AppendResult } from "../types.ts";
import { LOCK_APPEND, LOCK_CLASS } from "./locks.ts";

const STATE_SQL = `SELECT
  (SELECT position FROM events ORDER BY position DESC LIMIT 1) AS position,
  (SELECT hash FROM events ORDER BY position DESC LIMIT 1) AS hash,
  (SELECT coalesce(array_agg(dedupe), '{}') FROM events WHERE dedupe = ANY($1::text[])) AS dups,
  (SELECT coalesce(max(position), 0) FROM events WHERE key = $2) AS key_position`;

const INSERT_SQL = `INSERT INTO events (position, type, v, key, time, dedupe, data, hash)
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[])`;

const CURSOR_SQL = `INSERT INTO cursors (name, value, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;

/**
 * Appends in one transaction on `client` (a pooled connection not in a transaction).
 * @example
 * const res = await appendOnPostgres(client, [jobStarted({ jobId, streamId: 7n, queuedMs: 2 })]);
 */
export async function appendOnPostgres(
  client: pg.PoolClient, input: readonly NewEvent[], opts: AsyncAppendOptions = {},
): Promise<AppendResult> {
  const now = Date.now();
  const prepared = input.map((e) => prepareInput(e, now));
  const dedupes = prepared.flatMap((p) => (p.dedupe === null ? [] : [p.dedupe]));
  // One round trip: BEGIN and the lock (the simple query protocol runs both).
  await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${LOCK_APPEND})`);
  try {
    // READ COMMITTED: this statement's snapshot is taken after the lock, so it sees every earlier append.
    const state = (await client.query(STATE_SQL, [dedupes, opts.expected?.key ?? null])).rows[0] as
      { position: string | null; hash: string | null; dups: string[]; key_position: string };
    if (opts.expected && Number(state.key_position) !== opts.expected.position) {
      throw conflict(opts.expected.key, opts.expected.position, Number(state.key_position));
    }
    const seen = new Set(state.dups);
    let position = state.position === null ? 0 : Number(state.position);
    let prev = state.hash ?? GENESIS_HASH;
    const stored: StoredEvent[] = [];
    let duplicates = 0;
    const cols: unknown[][] = [[], [], [], [], [], [], [], []];
    for (const p of prepared) {
      if (p.dedupe !== null) {
        if (seen.has(p.dedupe)) { duplicates++; continue; }
        seen.add(p.dedupe);
      }
      position++;
      const hash = chainHashOf(prev, position, p.e.type, EVENT_VERSION, p.time, p.e.key, p.dedupe, p.data);
      prev = hash;
      const row = [position, p.e.type, EVENT_VERSION, p.e.key, p.time, p.dedupe, p.data, hash];
      for (let i = 0; i < 8; i++) cols[i]!.push(row[i]);
      stored.push({ position, type: p.e.type, v: EVENT_VERSION, key: p.e.key, data: p.e.data, time: p.time, dedupe: p.dedupe, hash } as StoredEvent);
    }
    if (stored.length > 0) await client.query(INSERT_SQL, cols);
    if (opts.cursor) await client.query(CURSOR_SQL, [opts.cursor.name, opts.cursor.value, now]);
    await client.query("COMMIT");
    return { stored, duplicates };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}
