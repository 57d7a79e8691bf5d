/**
 * Which refusals become events. A refusal is written to the hash-chained log only when it is tied to
 * a verified stream: the proof's signature was checked as the stream sender's (a real payer's failed
 * request: a replayed nonce, an exhausted budget, a stream being settled). Everything else is
 * anonymous (no proof, a bad signature, a stream that does not exist or pays someone else, a
 * request that is not HTTP): it is counted by code, logged at most once per `logEveryMs`, and leaves
 * no state behind but a bounded per-IP counter that rate-limits whoever keeps sending it.
 */
import type { ClawError } from "../core/errors.ts";

const verified = new WeakMap<object, bigint>();

/** Marks `err` as a refusal of a request whose proof was verified for `streamId` (called by the guard). */
export function markVerifiedRefusal<E>(err: E, streamId: bigint): E {
  if (typeof err === "object" && err !== null) verified.set(err, streamId);
  return err;
}

/** The verified stream a refusal belongs to, if it does. */
export function verifiedStreamOf(err: unknown): bigint | undefined {
  return typeof err === "object" && err !== null ? verified.get(err) : undefined;
}

export type RefusalSink = {
  /** Counts an anonymous refusal from `ip` (undefined when the connection never made a request). */
  anonymous(error: ClawError, ip: string | undefined): void;
  /** Seconds until `ip` may send paid-route requests again; 0 when it may now. */
  retryAfter(ip: string): number;
  /** Anonymous refusals so far, by code. */
  counts(): Map<string, number>;
};

/** Keeps at most this many IPs in the current window (a flood of spoofed-looking peers cannot grow it further). */
const MAX_TRACKED_IPS = 50_000;

/**
 * @example
 * const refusals = createRefusalSink({ perMinute: 600, log: (msg, o) => app.log.warn(o, msg) });
 */
export function createRefusalSink(o: {
  perMinute: number;
  log: (message: string, fields: Record<string, unknown>) => void;
  logEveryMs?: number;
  nowMs?: () => number;
}): RefusalSink {
  const now = o.nowMs ?? Date.now;
  const logEveryMs = o.logEveryMs ?? 10_000;
  const byCode = new Map<string, number>();
  let windowStart = now();
  let perIp = new Map<string, number>();
  let lastLog = 0;
  let sinceLog = 0;
  const roll = () => {
    if (now() - windowStart >= 60_000) {
      windowStart = now();
      perIp = new Map();
    }
  };
  return {
    anonymous(error, ip) {
      byCode.set(error.code, (byCode.get(error.code) ?? 0) + 1);
      roll();
      if (ip !== undefined && (perIp.size < MAX_TRACKED_IPS || perIp.has(ip))) perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      sinceLog += 1;
      if (now() - lastLog >= logEveryMs) {
        // One line for many refusals: the codes and counts, never the request's own strings.
        o.log("anonymous requests refused", { refusedSinceLastLine: sinceLog, lastCode: error.code, totals: Object.fromEntries(byCode) });
        lastLog = now();
        sinceLog = 0;
      }
    },
    retryAfter(ip) {
      roll();
      if ((perIp.get(ip) ?? 0) < o.perMinute) return 0;
      return Math.max(1, Math.ceil((windowStart + 60_000 - now()) / 1000));
    },
    counts: () => new Map(byCode),
  };
}
