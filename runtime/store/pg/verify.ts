/**
 * Walks the hash chain page by page from position 1, exactly as the SQLite store's verify does
 * (same hash function, same report), over rows read from any database.
 */
import { chainHashOf, GENESIS_HASH } from "../hash.ts";
import type { VerifyResult } from "../types.ts";

/**
 * `page(after)` returns up to `pageSize` rows with position > after, in position order, as arrays
 * in EVENT_COLUMNS order (position, type, v, key, time, dedupe, data, hash).
 * @example
 * const result = await verifyRows((after) => readRowsAfter(after), 2048);
 */
export async function verifyRows(page: (after: number) => Promise<unknown[][]>, pageSize: number): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expected = 1;
  for (;;) {
    const rows = await page(expected - 1);
    for (const r of rows) {
      const position = Number(r[0]);
      if (position !== expected) {
        return { ok: false, checked: expected - 1, firstBadPosition: position, reason: `position ${expected} is missing` };
      }
      const hash = chainHashOf(prev, position, String(r[1]), Number(r[2]), Number(r[4]), String(r[3]),
        (r[5] as string | null) ?? null, String(r[6]));
      if (hash !== r[7]) {
        return { ok: false, checked: expected - 1, firstBadPosition: position, reason: `the hash at position ${position} does not match its content and predecessor` };
      }
      prev = hash;
      expected++;
    }
    if (rows.length < pageSize) return expected === 1 ? { ok: true, checked: 0 } : { ok: true, checked: expected - 1, head: prev };
  }
}
