/**
 * The hash chain: each event's hash is sha256 over the previous hash and this event's stored
 * columns. The encoding is unambiguous (variable text fields are length-prefixed, `data` comes last)
 * and cheap (one string, one one-shot hash). Because `data` is hashed as the exact stored text,
 * verification never re-encodes or even understands an event: `verify` works on logs holding event
 * types this version does not know.
 *
 *   sha256( prev "\n" position "\n" len(type) ":" type "\n" v "\n" time "\n"
 *           len(key) ":" key "\n" (dedupe === null ? "-" : len(dedupe) ":" dedupe) "\n" data )
 */
import * as crypto from "node:crypto";

/** The "previous hash" of the first event. */
export const GENESIS_HASH = "0".repeat(64);

export type HashedFields = {
  position: number; type: string; v: number; key: string; time: number; dedupe: string | null; data: string;
};

// One-shot crypto.hash (Node >= 20.12) is ~40% cheaper than createHash; Deno may lack it.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: "hex") => string }).hash;
const sha256hex: (s: string) => string = typeof oneShot === "function"
  ? (s) => oneShot("sha256", s, "hex")
  : (s) => crypto.createHash("sha256").update(s).digest("hex");

/**
 * @example
 * const h1 = chainHash(GENESIS_HASH, { position: 1, type: "JobStarted", v: 1, key: "job:a", time: 0, dedupe: null, data: "{}" });
 */
export function chainHash(prev: string, f: HashedFields): string {
  return chainHashOf(prev, f.position, f.type, f.v, f.time, f.key, f.dedupe, f.data);
}

/** `chainHash` with positional arguments: the append hot path allocates no object for it. */
export function chainHashOf(
  prev: string, position: number, type: string, v: number, time: number, key: string, dedupe: string | null, data: string,
): string {
  const d = dedupe === null ? "-" : `${dedupe.length}:${dedupe}`;
  return sha256hex(`${prev}\n${position}\n${type.length}:${type}\n${v}\n${time}\n${key.length}:${key}\n${d}\n${data}`);
}
