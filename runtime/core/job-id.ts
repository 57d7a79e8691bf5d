/**
 * Job ids: UUID version 7 (RFC 9562): 48 bits of unix milliseconds, then 74 random bits. Same text
 * form as a random UUID (server/job-chunks.ts's JOB_ID accepts both), but ids made later sort later.
 * That is for the event log: a job's events are keyed and deduplicated by `job:<id>…`, and
 * increasing keys go to the right-most pages of those two SQLite indexes instead of a random page
 * each, so a group commit writes a few pages rather than two per job. The time it reveals is the
 * admission's, which the consumer who sent the request already knows.
 */

// Random bytes drawn 4 KiB at a time: one getRandomValues call per 256 ids instead of one per id
// (~6 µs each here). Job ids are not secrets (the watch token is a separate HMAC).
const pool = new Uint8Array(4096);
let drawn = pool.length;

function random16(): Uint8Array {
  if (drawn + 16 > pool.length) {
    crypto.getRandomValues(pool);
    drawn = 0;
  }
  const out = pool.slice(drawn, drawn + 16);
  drawn += 16;
  return out;
}

const hex = (bytes: Uint8Array, from: number, to: number) => {
  let s = "";
  for (let i = from; i < to; i++) s += (bytes[i] as number).toString(16).padStart(2, "0");
  return s;
};

/**
 * @example
 * newJobId(Date.UTC(2026, 11, 6)) // "019af1a0-b800-7xxx-yxxx-xxxxxxxxxxxx" (x random, y one of 8 9 a b)
 */
export function newJobId(nowMs: number = Date.now()): string {
  const b = random16();
  const ms = Math.max(0, Math.floor(nowMs));
  // 48-bit big-endian milliseconds (exact below 2^53; the high 16 bits come from a division).
  const high = Math.floor(ms / 2 ** 32);
  const low = ms % 2 ** 32;
  b[0] = (high >>> 8) & 0xff;
  b[1] = high & 0xff;
  b[2] = (low >>> 24) & 0xff;
  b[3] = (low >>> 16) & 0xff;
  b[4] = (low >>> 8) & 0xff;
  b[5] = low & 0xff;
  b[6] = 0x70 | ((b[6] as number) & 0x0f); // version 7
  b[8] = 0x80 | ((b[8] as number) & 0x3f); // variant 10
  return `${hex(b, 0, 4)}-${hex(b, 4, 6)}-${hex(b, 6, 8)}-${hex(b, 8, 10)}-${hex(b, 10, 16)}`;
}

/** The milliseconds a version-7 id was made at. Pure. */
export function jobIdTime(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
