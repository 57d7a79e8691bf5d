/**
 * The hash chain: each event's hash is sha256 over the previous hash and this event's stored
 * columns, encoded as a JSON array (unambiguous: no field can bleed into the next). Because `data`
 * is hashed as the exact stored text, verification never needs to re-encode or even understand an
 * event, so `verify` works on logs holding event types this version does not know.
 */
import { createHash } from "node:crypto";

/** The "previous hash" of the first event. */
export const GENESIS_HASH = "0".repeat(64);

export type HashedFields = {
  position: number; type: string; v: number; key: string; time: number; dedupe: string | null; data: string;
};

/**
 * @example
 * const h1 = chainHash(GENESIS_HASH, { position: 1, type: "JobStarted", v: 1, key: "job:a", time: 0, dedupe: null, data: "{}" });
 */
export function chainHash(prev: string, f: HashedFields): string {
  return createHash("sha256")
    .update(JSON.stringify([prev, f.position, f.type, f.v, f.key, f.time, f.dedupe, f.data]))
    .digest("hex");
}
