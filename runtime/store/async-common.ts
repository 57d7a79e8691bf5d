/**
 * Checks and messages both async drivers share, so that they refuse the same inputs the same way.
 */
import { ClawError } from "../core/errors.ts";
import { nonceDedupe, type NewEvent } from "../core/events.ts";
import type { SlotRequest } from "./async-types.ts";

/** Longest slot lease: a day. A job never runs that long; a bigger number is a unit mistake. */
const MAX_TTL_MS = 86_400_000;
const MAX_CAPACITY = 1_000_000;

/**
 * A JobAccepted must carry the nonce dedupe id, or the unique constraint would not guard its nonce.
 * @example
 * checkAccepted(jobAccepted({ ... })) // throws STORE_INVALID_EVENT when dedupe is not nonce:<stream>:<nonce>
 */
export function checkAccepted(e: NewEvent<"JobAccepted">): void {
  if (e?.type !== "JobAccepted") throw invalid(`admitJob takes a JobAccepted event, got ${String(e?.type)}`);
  const want = nonceDedupe(e.data.streamId, e.data.nonce);
  if (e.dedupe !== want) throw invalid(`JobAccepted for job ${e.data.jobId}: dedupe must be "${want}", got "${String(e.dedupe)}"`);
}

/**
 * Bounds a slot request: capacity 0..1e6 (0 means the stream pays for no job at once), ttl 1 ms..1 day.
 * @example
 * checkSlotRequest({ streamId: 7n, capacity: 2, holder: "i1:job-9", ttlMs: 60_000 });
 */
export function checkSlotRequest(r: SlotRequest): void {
  if (typeof r.streamId !== "bigint" || r.streamId < 0n) throw invalid("slot: streamId must be a non-negative bigint");
  if (!Number.isSafeInteger(r.capacity) || r.capacity < 0 || r.capacity > MAX_CAPACITY) {
    throw invalid(`slot: capacity must be an integer 0..${MAX_CAPACITY} (floor(rate / price)), got ${String(r.capacity)}`);
  }
  checkTtl(r.ttlMs);
  if (typeof r.holder !== "string" || r.holder.length === 0 || r.holder.length > 200) throw invalid("slot: holder must be 1..200 characters");
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) throw invalid(`slot: ttlMs must be 1..${MAX_TTL_MS}, got ${String(ttlMs)}`);
}

/** Leadership role names are short identifiers ("settler", "watcher:31337"). */
export function checkLeaderName(name: string): void {
  if (typeof name !== "string" || !/^[A-Za-z0-9:._-]{1,100}$/.test(name)) throw invalid(`leader name must match [A-Za-z0-9:._-]{1,100}, got "${String(name)}"`);
}

/**
 * The error of an append whose expected version did not hold.
 * @example
 * throw conflict("stream:7", 12, 15);
 */
export function conflict(key: string, expected: number, actual: number): ClawError {
  return new ClawError("STORE_CONFLICT", {
    message: `The append expected the newest event of ${key} at position ${expected}, but it is at ${actual}: ` +
      `another writer got there first. Read ${key} again and decide anew; nothing was written.`,
    details: { key, expected, actual },
  });
}

function invalid(message: string): ClawError {
  return new ClawError("STORE_INVALID_EVENT", { message });
}
