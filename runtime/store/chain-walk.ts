/**
 * One walk of the hash chain from position 1, row by row, shared by every driver's verify (SQLite's
 * synchronous one and PostgreSQL's paged one), so both report the same result for the same log.
 */
import { chainHashOf, GENESIS_HASH } from "./hash.ts";
import type { VerifyResult } from "./types.ts";

/**
 * Rows are arrays in EVENT_COLUMNS order (position, type, v, key, time, dedupe, data, hash), fed in
 * position order; `step` returns the failure at the first bad row, `end` the result after the last.
 * @example
 * const walk = chainWalk();
 * for (const r of rows) { const bad = walk.step(r); if (bad) return bad; }
 * return walk.end();
 */
export function chainWalk() {
  let prev = GENESIS_HASH;
  let expected = 1;
  return {
    /** The position the walk reads after (for the next page). */
    after: () => expected - 1,
    step(r: readonly unknown[]): VerifyResult | undefined {
      const position = Number(r[0]);
      if (position !== expected) return { ok: false, checked: expected - 1, firstBadPosition: position, reason: `position ${expected} is missing` };
      const hash = chainHashOf(prev, position, String(r[1]), Number(r[2]), Number(r[4]), String(r[3]), (r[5] as string | null) ?? null, String(r[6]));
      if (hash !== r[7]) {
        return { ok: false, checked: expected - 1, firstBadPosition: position, reason: `the hash at position ${position} does not match its content and predecessor` };
      }
      prev = hash;
      expected++;
      return undefined;
    },
    end: (): VerifyResult => (expected === 1 ? { ok: true, checked: 0 } : { ok: true, checked: expected - 1, head: prev }),
  };
}
