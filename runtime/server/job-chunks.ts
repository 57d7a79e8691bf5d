/**
 * In-process fan-out of each job's chunks to WebSocket watchers. Holds nothing once nobody watches.
 *
 * Watching a job needs its watch token: HMAC-SHA256(per-process secret, jobId), returned only to the
 * payer in the paid response's `x-claw-watch` header. Job ids are public (the event feed, GET
 * /v1/streams/:id); the token is not, so an answer is streamed to its payer alone. The token needs
 * no state and dies with the process (a job does not outlive it).
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ServerContext } from "./context.ts";

/** A job id as the guard makes them (core/job-id.ts: a version-7 UUID; any UUID's text form passes). */
export const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** base64url of 32 bytes. */
export const WATCH_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function createJobChunks(secret: Uint8Array = randomBytes(32)): ServerContext["jobChunks"] {
  const watchers = new Map<string, Set<(c: unknown) => void>>();
  const tokenFor = (jobId: string) => createHmac("sha256", secret).update(jobId).digest("base64url");
  return {
    publish(jobId, chunk) {
      const set = watchers.get(jobId);
      if (!set) return;
      const wire = chunk.type === "image" ? { ...chunk, png: `(${chunk.png.length} bytes)` } : chunk;
      for (const fn of set) fn(wire);
    },
    subscribe(jobId, fn) {
      const set = watchers.get(jobId) ?? new Set();
      set.add(fn);
      watchers.set(jobId, set);
      return () => {
        set.delete(fn);
        if (set.size === 0) watchers.delete(jobId);
      };
    },
    watchToken: tokenFor,
    mayWatch(jobId, token) {
      if (!JOB_ID.test(jobId) || !WATCH_TOKEN.test(token)) return false;
      const want = Buffer.from(tokenFor(jobId));
      const got = Buffer.from(token);
      return want.length === got.length && timingSafeEqual(want, got);
    },
  };
}
