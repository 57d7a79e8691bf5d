/**
 * The chain watcher: polls StreamPay and ComputeRegistry logs from a persisted block cursor up to
 * head − confirmations, keeps those that concern this provider (streams paying its wallet, its own
 * registry entries) and appends them to the log. Appends are idempotent by (tx hash, log index), so a
 * crash between appending and moving the cursor only re-reads logs that are then skipped.
 */
import type { Address } from "viem";
import type { NewEvent } from "../core/events.ts";
import type { ChainClients } from "./client.ts";
import { decodeLogs, logToEvent } from "./log-to-event.ts";
import { timedRead, type ChainReadObserver } from "./read-observer.ts";

const CURSOR = "chain-watcher";
const MAX_RANGE = 2_000n;

/** The log: the synchronous SQLite store, or the runtime's port to a shared one (promises). */
export type WatcherStore = {
  append(events: NewEvent[], opts?: { cursor?: { name: string; value: string } }): { duplicates: number } | Promise<{ duplicates: number }>;
  getCursor(name: string): string | undefined | Promise<string | undefined>;
};

export type WatcherDeps = {
  clients: ChainClients;
  contracts: { registry: Address; streamPay: Address };
  wallet: Address;
  store: WatcherStore;
  confirmations: number;
  fromBlock: bigint;
  pollMs: number;
  knownStreams: Set<bigint>;
  knownProviders: Set<bigint>;
  onEvent?: (event: NewEvent) => void;
  /**
   * Stop at cancel: a StreamCancelled / StreamSettled of a known stream seen in a
   * block not yet confirmed (only when confirmations > 1). Not appended (that waits for confirmations);
   * the runtime stops serving the stream at once. Called again if it is still unconfirmed next poll.
   */
  onUnconfirmedStop?: (event: NewEvent) => void;
  onError?: (err: unknown) => void;
  /** Each read's duration and outcome: op `watcher_head` (eth_blockNumber), `watcher_logs` (eth_getLogs). */
  onRead?: ChainReadObserver;
};

const STOP_EVENTS = new Set(["StreamCancelled", "StreamSettled"]);

export type ChainWatcher = {
  catchUp(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
  /**
   * Reads the cursor from the log again before the next step: on a shared log another instance
   * watched while this one did not lead (runtime/provider/roles.ts), and moved it.
   */
  reloadCursor(): void;
  readonly lastBlock: bigint;
  readonly healthy: boolean;
};

export function createChainWatcher(d: WatcherDeps): ChainWatcher {
  const me = d.wallet.toLowerCase();
  const initial = (saved: string | undefined): bigint => BigInt(saved ?? (d.fromBlock - 1n).toString());
  const first = d.store.getCursor(CURSOR);
  let cursor = first instanceof Promise ? d.fromBlock - 1n : initial(first);
  let reload = first instanceof Promise;
  // A first read that fails is read again at the first step.
  if (first instanceof Promise) first.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<number> | undefined;
  let healthy = true;
  let stopped = false;

  function relevant(e: NewEvent): boolean {
    switch (e.type) {
      case "StreamOpened":
        if (e.data.recipient.toLowerCase() !== me) return false;
        d.knownStreams.add(e.data.streamId);
        return true;
      case "ProviderRegistered":
      case "ProviderUpdated":
        if (e.data.wallet.toLowerCase() !== me) return false;
        d.knownProviders.add(e.data.providerId);
        return true;
      case "CompletionRecorded":
        return d.knownProviders.has(e.data.providerId);
      // Coin owed to this wallet that a push could not deliver, and its payout: the audit
      // reconciles coin received with coin credited through them.
      case "PaymentDeferred":
        return e.data.to.toLowerCase() === me && d.knownStreams.has(e.data.streamId);
      case "PaymentClaimed":
        return e.data.account.toLowerCase() === me;
      default: {
        const data = e.data as { streamId?: unknown };
        return typeof data.streamId === "bigint" && d.knownStreams.has(data.streamId);
      }
    }
  }

  async function step(): Promise<number> {
    if (reload) {
      cursor = initial(await d.store.getCursor(CURSOR));
      reload = false;
    }
    const head = await timedRead("watcher_head", d.onRead, () => d.clients.publicClient.getBlockNumber({ cacheTime: 0 })); // the newest head: stop events act on it
    const safe = head - BigInt(Math.max(0, d.confirmations - 1));
    let appended = 0;
    while (cursor < safe && !stopped) {
      const from = cursor + 1n;
      const to = from + MAX_RANGE - 1n < safe ? from + MAX_RANGE - 1n : safe;
      const logs = await timedRead("watcher_logs", d.onRead, () => d.clients.publicClient.getLogs({ address: [d.contracts.streamPay, d.contracts.registry], fromBlock: from, toBlock: to }));
      const decoded = decodeLogs(logs);
      decoded.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1));
      const events = decoded.map((l) => logToEvent(l)).filter((e): e is NewEvent => e !== null && relevant(e));
      // The events and the cursor move in one transaction.
      const { duplicates } = await d.store.append(events, { cursor: { name: CURSOR, value: to.toString() } });
      appended += events.length - duplicates;
      for (const e of events) d.onEvent?.(e);
      cursor = to;
    }
    if (d.onUnconfirmedStop && safe < head && !stopped) {
      const logs = await timedRead("watcher_logs", d.onRead, () => d.clients.publicClient.getLogs({ address: d.contracts.streamPay, fromBlock: safe + 1n, toBlock: head }));
      const decoded = decodeLogs(logs);
      for (const e of decoded.map((l) => logToEvent(l))) if (e && STOP_EVENTS.has(e.type) && relevant(e)) d.onUnconfirmedStop(e);
    }
    return appended;
  }

  async function catchUp(): Promise<number> {
    running ??= step().finally(() => (running = undefined));
    try {
      const n = await running;
      healthy = true;
      return n;
    } catch (err) {
      healthy = false;
      d.onError?.(err);
      throw err;
    }
  }

  function loop(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      catchUp().catch(() => undefined).finally(loop);
    }, d.pollMs);
  }

  return {
    catchUp,
    start: () => {
      stopped = false;
      loop();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
    reloadCursor() {
      reload = true;
    },
    get lastBlock() {
      return cursor;
    },
    get healthy() {
      return healthy;
    },
  };
}
