/**
 * Where the guard gets a stream: a cache over the getStream action (runtime/chain/actions), filled by
 * earlier reads and kept current by the watcher's events, else one `getStream` eth_call. A node that
 * cannot be reached is CHAIN_UNAVAILABLE (503): the runtime never serves a stream it could not verify.
 *
 * Stop at cancel: each cached stream remembers the chain head it was read at. The cache learns the
 * head with one `eth_blockNumber` at most every `headPollMs` (in the background, started by a get;
 * no request waits for it). When the head moves, every stream served since its last read (the hot
 * set) is read again at `latest` at once, in the background: a stream in use is never waited for on
 * the request path (no chain call there for a known stream). A request that arrives while that
 * re-read is in flight is served as last read: it arrives within headPollMs + two round trips of the
 * block. Any other stream read before the newest known head (idle since, or not active) is read again
 * before it is served. One eth_call per served stream per block; concurrent gets share it. So once a
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
  const inflight = new Map<bigint, { at: bigint; entry: Promise<Entry> }>();
  // Streams served since their last read: re-read as soon as the head moves.
  const hot = new Set<bigint>();
  let head = -1n;
  let headAskedAt = Number.NEGATIVE_INFINITY;
  let headInflight = false;

  function pollHead(): void {
    if (headInflight || nowMs() - headAskedAt < headPollMs) return;
    headInflight = true;
    headAskedAt = nowMs();
    timedRead("stream_head", o.onRead, () => client.getBlockNumber({ cacheTime: 0 }))
      .then((n) => {
        if (n <= head) return;
        head = n;
        refreshHot();
      }, () => undefined)
      .finally(() => (headInflight = false));
  }

  function refreshHot(): void {
    const ids = [...hot];
    hot.clear();
    // A failed background read leaves the entry stale: the next get reads it again (or serves it as last read if the node is down).
    for (const id of ids) if (cache.get(id)?.final === false) void refresh(id).catch(() => undefined);
  }

  function read(streamId: bigint): Promise<Entry> {
    const running = inflight.get(streamId);
    if (running) return running.entry;
    const at = head;
    const entry = timedRead("stream", o.onRead, () => getStream(client, { streamPay, streamId })).then((stream) => ({ stream, head: at, final: false })).finally(() => inflight.delete(streamId));
    inflight.set(streamId, { at, entry });
    return entry;
  }

  /** Reads the stream at `latest` and takes the read in, unless the cache knows better. */
  async function refresh(streamId: bigint): Promise<OnChainStream | null> {
    const hit = cache.get(streamId);
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
    if (current?.stream.status === "active" && fresh.stream.status !== "active") o.onStopped?.(fresh.stream);
    return fresh.stream;
  }

  return {
    async get(streamId) {
      pollHead();
      const hit = cache.get(streamId);
      if (hit && (hit.head >= head || hit.final)) {
        if (!hit.final) hot.add(streamId);
        return hit.stream;
      }
      // Stale by one head move and already being read again at it (the hot set): serve it as last read.
      if (hit && hit.stream.status === "active" && inflight.get(streamId)?.at === head) {
        hot.add(streamId);
        return hit.stream;
      }
      const stream = await refresh(streamId);
      if (stream) hot.add(streamId);
      return stream;
    },
    setStatus(streamId, status, so = {}) {
      const e = cache.get(streamId);
      if (!e || e.final) return;
      const final = so.confirmed !== false && status !== "active";
      cache.set(streamId, { stream: { ...e.stream, status }, head: head > e.head ? head : e.head, final });
    },
  };
}
