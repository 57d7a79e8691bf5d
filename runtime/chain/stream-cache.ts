/**
 * Where the guard gets a stream: a cache over the getStream action (runtime/chain/actions), filled by
 * earlier reads and kept current by the watcher's events, else one `getStream` eth_call. A node that
 * cannot be reached is CHAIN_UNAVAILABLE (503): the runtime never serves a stream it could not verify.
 *
 * Stop at cancel: each cached stream remembers the chain head it was read at. The cache learns the
 * head with one `eth_blockNumber` at most every `headPollMs` (in the background, started by a get;
 * no request waits for it), and a stream read before the newest known head is read again at `latest`
 * before it is served (one eth_call per served stream per block; concurrent gets share it). So once a
 * cancel or settle is in a block the node has, no request on that stream is admitted later than
 * headPollMs + two round trips to the node — within the next block whenever headPollMs is below the
 * block time. An end is final only once the watcher confirms it; until then it refuses requests but
 * is read again at each new head, so a reorg that drops the cancel reopens the stream. While the node cannot be reached
 * the head does not move and a cached stream is served as it was last read (the outage choice
 * documented in test/reliability/README.md): the bound holds only while the node answers.
 */
import type { Address } from "viem";
import { isClawError } from "../core/errors.ts";
import type { OnChainStream, StreamStatus } from "../core/stream.ts";
import { getStream } from "./actions/get-stream.ts";
import type { ReadClient } from "./client.ts";
import { timedRead, type ChainReadObserver } from "./read-observer.ts";

export type StreamCache = {
  /** The stream as of the newest chain head this cache knows (re-read at `latest` when older). */
  get(streamId: bigint): Promise<OnChainStream | null>;
  /**
   * Marks a stream ended: the watcher saw it cancelled, settled or depleted. A confirmed status (the
   * default) is final; an unconfirmed one (`confirmed: false`, a stop event not yet `confirmations`
   * deep) refuses requests at once but is read again at each new head, so a stop that a reorg drops
   * reopens the stream instead of refusing it until a restart.
   */
  setStatus(streamId: bigint, status: StreamStatus, o?: { confirmed?: boolean }): void;
};

export type StreamCacheOptions = {
  /** How often, at most, the chain head is polled while requests arrive (default 250 ms). */
  headPollMs?: number;
  /** A re-read found a stream no longer active that the cache held as active (abort its running jobs). */
  onStopped?: (stream: OnChainStream) => void;
  nowMs?: () => number;
  /** Each read's duration and outcome: op `stream` (getStream), `stream_head` (the head poll). */
  onRead?: ChainReadObserver;
};

/** `final`: an ended status the watcher confirmed; never read again. Any other entry is read again
 *  once the chain head moves past `head` (an ended one read at `latest` may still be reorged out). */
type Entry = { stream: OnChainStream; head: bigint; final: boolean };

/**
 * @example
 * const streams = createStreamCache(clients.fastReadClient, streamPay, { headPollMs: 250, onStopped: (s) => abortJobs(s.streamId) });
 */
export function createStreamCache(client: ReadClient, streamPay: Address, o: StreamCacheOptions = {}): StreamCache {
  const headPollMs = o.headPollMs ?? 250;
  const nowMs = o.nowMs ?? Date.now;
  const cache = new Map<bigint, Entry>();
  const inflight = new Map<bigint, Promise<Entry>>();
  let head = -1n;
  let headAskedAt = Number.NEGATIVE_INFINITY;
  let headInflight = false;

  function pollHead(): void {
    if (headInflight || nowMs() - headAskedAt < headPollMs) return;
    headInflight = true;
    headAskedAt = nowMs();
    timedRead("stream_head", o.onRead, () => client.getBlockNumber({ cacheTime: 0 }))
      .then((n) => void (n > head && (head = n)), () => undefined)
      .finally(() => (headInflight = false));
  }

  function read(streamId: bigint): Promise<Entry> {
    let p = inflight.get(streamId);
    if (!p) {
      const at = head;
      p = timedRead("stream", o.onRead, () => getStream(client, { streamPay, streamId })).then((stream) => ({ stream, head: at, final: false })).finally(() => inflight.delete(streamId));
      inflight.set(streamId, p);
    }
    return p;
  }

  return {
    async get(streamId) {
      pollHead();
      const hit = cache.get(streamId);
      if (hit && (hit.head >= head || hit.final)) return hit.stream;
      let fresh: Entry;
      try {
        fresh = await read(streamId);
      } catch (err) {
        // The node stopped answering between learning the new head and the re-read: the outage
        // choice (serve what was verified before) rather than refusing a stream we hold as active.
        if (hit && isClawError(err, "CHAIN_UNAVAILABLE")) return hit.stream;
        throw err;
      }
      if (fresh.stream.status === "none") return null;
      const current = cache.get(streamId);
      // A confirmed end is never undone, and a newer status from the watcher (setStatus) is not
      // overwritten by an older read; a newer read does replace an unconfirmed end (a reorg).
      if (current && (current.final || (current.stream.status !== "active" && fresh.stream.status === "active" && current.head >= fresh.head))) {
        return current.stream;
      }
      cache.set(streamId, fresh);
      if (hit?.stream.status === "active" && fresh.stream.status !== "active") o.onStopped?.(fresh.stream);
      return fresh.stream;
    },
    setStatus(streamId, status, so = {}) {
      const e = cache.get(streamId);
      if (!e || e.final) return;
      const final = so.confirmed !== false && status !== "active";
      cache.set(streamId, { stream: { ...e.stream, status }, head: head > e.head ? head : e.head, final });
    },
  };
}
