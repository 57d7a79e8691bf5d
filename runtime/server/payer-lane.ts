/**
 * The payer lane: requests of a payer this runtime has already verified are not refused because of
 * anonymous traffic from their IP (a NAT, a shared host, a reverse proxy without trustProxy).
 *
 * The per-IP limits (the refusal limit on paid routes, the unpaid-route limit) stay what makes an
 * anonymous flood cheap: over the limit, a request is answered 429 before any check. A request
 * skips those per-IP limits only when its proof headers name a stream the runtime already served
 * (one of its proofs was verified as the stream sender's: the budget ledger tracks it) — keyed by
 * stream, not by IP:
 * - with a session key that was verified on that stream before: always. Checking such a request
 *   costs one HMAC (an x25519 session) or one Ed25519 verification (the authorization and the MAC key
 *   are cached), and a forger cannot know the session authorization of someone else's stream unless
 *   it sits on the path.
 * - otherwise (direct signatures, a new session key): while the stream's own count of refused
 *   lane requests stays under the per-minute limit. Each of those may cost a signature recovery, so
 *   the count bounds what a flood naming a known stream can cost; a direct-signing payer sharing an
 *   IP with someone who floods its stream id can then wait for the next minute. SDK and gateway sign
 *   with session keys.
 * A proof that then fails is still an anonymous refusal: it counts against the IP and the lane.
 */
import { paymentHeaders as H } from "../core/payment.ts";

type Headers = Record<string, string | string[] | undefined>;

export type PayerLane = {
  /** The lane a request may use (its key), or undefined when it is anonymous traffic. */
  keyOf(headers: Headers): string | undefined;
  /** Records that this request's proof verified (admitted, or refused after verification). */
  verified(headers: Headers): void;
  /** Counts a lane request that was refused before its proof verified. */
  refused(key: string): void;
};

/** Session keys remembered (oldest dropped beyond): a flood cannot grow this, only verified proofs do. */
const MAX_SESSIONS = 50_000;
/** Longest session header kept as a key (the real one is about 190 characters). */
const MAX_SESSION_CHARS = 512;

const one = (h: Headers, name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The stream id named by the headers, when it is a plain decimal (the guard checks the rest). */
function streamOf(h: Headers): bigint | undefined {
  const s = one(h, H.stream);
  return s !== undefined && /^\d{1,78}$/.test(s) ? BigInt(s) : undefined;
}

/**
 * @example
 * const lane = createPayerLane({ perMinute: 600, served: (id) => ctx.ledger.has(id) });
 * if (refusals.retryAfter(request.ip) > 0 && !lane.keyOf(request.headers)) throw rateLimited();
 */
export function createPayerLane(o: { perMinute: number; served: (streamId: bigint) => boolean; nowMs?: () => number }): PayerLane {
  const now = o.nowMs ?? Date.now;
  const sessions = new Map<string, true>();
  let refusedByStream = new Map<string, number>();
  let windowStart = now();
  const roll = () => {
    if (now() - windowStart >= 60_000) {
      windowStart = now();
      refusedByStream = new Map();
    }
  };
  const sessionKey = (stream: bigint, h: Headers) => {
    const s = one(h, H.session);
    return s !== undefined && s.length <= MAX_SESSION_CHARS ? `${stream}|${s}` : undefined;
  };
  return {
    keyOf(h) {
      const stream = streamOf(h);
      if (stream === undefined || !o.served(stream)) return undefined;
      const session = sessionKey(stream, h);
      if (session !== undefined && sessions.has(session)) return session;
      roll();
      const key = String(stream);
      return (refusedByStream.get(key) ?? 0) < o.perMinute ? key : undefined;
    },
    verified(h) {
      const stream = streamOf(h);
      const session = stream === undefined ? undefined : sessionKey(stream, h);
      if (session === undefined || sessions.has(session)) return;
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      sessions.set(session, true);
    },
    refused(key) {
      // A remembered session key is never closed: its refusals cost one HMAC or Ed25519 check each.
      if (key.includes("|")) return;
      roll();
      refusedByStream.set(key, (refusedByStream.get(key) ?? 0) + 1);
    },
  };
}
