/**
 * Walks the hash chain page by page from position 1 with the walk the SQLite store's verify uses
 * (../chain-walk.ts), over rows read from any database.
 */
import { chainWalk } from "../chain-walk.ts";
import type { VerifyResult } from "../types.ts";

/**
 * `page(after)` returns up to `pageSize` rows with position > after, in position order, as arrays
 * in EVENT_COLUMNS order (position, type, v, key, time, dedupe, data, hash).
 * @example
 * const result = await verifyRows((after) => readRowsAfter(after), 2048);
 */
export async function verifyRows(page: (after: number) => Promise<unknown[][]>, pageSize: number): Promise<VerifyResult> {
  const walk = chainWalk();
  for (;;) {
    const rows = await page(walk.after());
    for (const r of rows) {
      const bad = walk.step(r);
      if (bad) return bad;
    }
    if (rows.length < pageSize) return walk.end();
  }
}
