/**
 * Lanes: one payment stream per provider, opened on first use and reused across requests, replaced
 * when spent or near its end, closed when idle (the provider's settle route, cancel as the fallback).
 * Used by createPayingFetch and so by the gateway. Concurrent requests to a provider share one
 * opening (one transaction), never open two.
 */
import { ClawError, isClawError } from "../core/errors.ts";
import { paymentDomain } from "../core/payment.ts";
import { requireWallet, type ClientChain } from "./chain.ts";
import { closeStream } from "./close-stream.ts";
import { createStream, type OpenedStream, type OpeningIntent } from "./open-stream.ts";
import { createSessionSigner, type PaymentSigner } from "./payment-signer.ts";
import { fetchQuote } from "./quote.ts";
import type { Reservation, SpendBook } from "./spend-book.ts";
import { worstCaseCost } from "./spend-limits.ts";
import { sizeStream } from "./stream-size.ts";
import type { ProviderInfo, Quote, Receipt } from "./types.ts";

export type Lane = {
  provider: ProviderInfo;
  quote: Quote;
  stream: OpenedStream;
  signer: PaymentSigner;
  /** The price one request pays on this stream: the higher of the registry's and the quote's (wei/s). */
  pricePerSecond: bigint;
  /** Sum of the job costs billed on this stream (each validated: never negative, at most its worst case). */
  metered: bigint;
  inflight: number;
  /** Worst-case cost reserved by requests in flight. */
  reserved: bigint;
  lastUsed: number;
  /** No new requests; closed once the ones in flight end. */
  retiring?: boolean;
  closing?: Promise<Receipt | undefined>;
  /** Opened on chain, but what came next failed (its session signer, hooks.onOpened): never used, closed at once. */
  abandoned?: boolean;
};

/** Stands in for a session signer that could not be made: such a lane is only ever cancelled. */
const refusingSigner: PaymentSigner = {
  headers: () => Promise.reject(new Error("This stream has no session signer.")),
  settle: () => Promise.reject(new Error("This stream has no session signer.")),
};

export type LaneHooks = {
  /** A stream's opening is signed and about to be broadcast (its hash known): when this throws, nothing is sent. */
  onOpening?(intent: OpeningIntent): void | Promise<void>;
  onOpened?(lane: Lane): void | Promise<void>;
  onClosed?(lane: Lane, receipt: Receipt): void | Promise<void>;
  onCloseFailed?(lane: Lane, err: unknown): void;
};

export type LaneOptions = {
  chain: ClientChain;
  /** The price used to size a stream is the higher of registry and quote; above this the provider is refused. */
  maxPricePerSecond?: bigint;
  maxDepositPerStream?: bigint;
  /** Compute seconds one stream should buy before it is replaced (default 120). */
  expectedSeconds?: number;
  /** Requests at once on one stream: the stream pays price × parallel per second (default 1). */
  parallel?: number;
  /** A stream is used only while it can still pay this long a request and close in time. */
  maxRequestSeconds: number;
  /** Close a lane after this long without requests (default 60 s). */
  idleCloseMs?: number;
  /** The spending limits: each stream's deposit is reserved here before it is opened, and counted until it closes. */
  book?: SpendBook;
  hooks?: LaneHooks;
};

/** A stream is not used for a request that could still run this close to its end (the provider refuses near the end). */
const SETTLE_MARGIN_SECONDS = 30n;
/** Slack for the opening transaction to be mined before the first request (its start is the block's time). */
const OPEN_SLACK_SECONDS = 10;

/** The shortest stream worth opening: one request at its time cap, the settle margin, and the opening's slack. Pure. */
export function minLaneSeconds(maxRequestSeconds: number): number {
  return Math.ceil(maxRequestSeconds) + Number(SETTLE_MARGIN_SECONDS) + OPEN_SLACK_SECONDS;
}

/**
 * Whether the lane can take one more request of `worstCase` wei now: "usable"; "full" (its deposit
 * is reserved by requests in flight, room comes back when they end); "ending" (too near its end for
 * a request at its time cap); "closed" (closing or retired). Pure.
 */
export function laneState(l: Lane, worstCase: bigint, nowSeconds: bigint, maxRequestSeconds: number): "usable" | "full" | "ending" | "closed" {
  if (l.closing || l.retiring) return "closed";
  const end = l.stream.startTime + l.stream.durationSeconds;
  if (nowSeconds + BigInt(Math.ceil(maxRequestSeconds)) + SETTLE_MARGIN_SECONDS > end) return "ending";
  return l.stream.deposit - l.metered - l.reserved >= worstCase ? "usable" : "full";
}

/** True when the lane can take one more request of `worstCase` wei now. Pure. */
export function laneUsable(l: Lane, worstCase: bigint, nowSeconds: bigint, maxRequestSeconds: number): boolean {
  return laneState(l, worstCase, nowSeconds, maxRequestSeconds) === "usable";
}

export function createLanes(o: LaneOptions) {
  /** The lane in use per provider (opening or open); a retired lane leaves this map at once. */
  const current = new Map<bigint, { pending: Promise<Lane>; lane?: Lane }>();
  const idle = new Map<Lane, ReturnType<typeof setTimeout>>();
  const draining = new Set<Lane>();
  /** Requests waiting for room on a full lane. */
  const waiting = new WeakMap<Lane, Array<(v: boolean) => void>>();
  const closings = new Set<Promise<Receipt | undefined>>();
  const idleMs = o.idleCloseMs ?? 60_000;
  const parallel = Math.max(1, Math.floor(o.parallel ?? 1));

  /** The deposit a stream to `provider` should lock, and the least worth opening, at its registry price (before the quote). */
  function wanted(provider: ProviderInfo): { deposit: bigint; least: bigint } {
    const size = sizeStream({
      pricePerSecond: provider.pricePerSecond, expectedSeconds: o.expectedSeconds ?? 120, parallel,
      ...(o.maxPricePerSecond !== undefined ? { maxPricePerSecond: o.maxPricePerSecond } : {}),
      ...(o.maxDepositPerStream !== undefined ? { maxDeposit: o.maxDepositPerStream } : {}),
    });
    return { deposit: size.deposit, least: size.ratePerSecond * BigInt(minLaneSeconds(o.maxRequestSeconds)) };
  }

  /**
   * Holds the deposit of a new stream to `provider` against the limits (one synchronous step). When
   * it does not fit, idle lanes are closed and closings in progress awaited — their refunds free
   * allowance — and it is tried once more.
   */
  async function reserve(provider: ProviderInfo): Promise<Reservation | undefined> {
    const book = o.book;
    if (!book) return undefined;
    const w = wanted(provider);
    try {
      return book.reserve(w.deposit, w.least);
    } catch (err) {
      if (!isClawError(err, "SPEND_LIMIT_REACHED")) throw err;
      const idleLanes = [...current.values()].flatMap((e) => (e.lane && e.lane.inflight === 0 && !e.lane.closing ? [e.lane] : []));
      if (idleLanes.length === 0 && closings.size === 0) throw err;
      for (const l of idleLanes) void close(l);
      await Promise.allSettled([...closings]);
      return book.reserve(w.deposit, w.least);
    }
  }

  async function open(provider: ProviderInfo, reservation: Reservation | undefined, sent: { tx: boolean }): Promise<Lane> {
    const wallet = requireWallet(o.chain, "Paying for requests");
    const quote = await fetchQuote(o.chain, provider);
    const price = quote.pricePerSecond > provider.pricePerSecond ? quote.pricePerSecond : provider.pricePerSecond;
    // The stream pays price × parallel per second, so the provider may run `parallel` jobs at once on it.
    const size = sizeStream({
      pricePerSecond: price, expectedSeconds: o.expectedSeconds ?? 120, queueWaitMs: quote.queue.expectedWaitMs, minJobMs: quote.minJobMs, parallel,
      ...(o.maxPricePerSecond !== undefined ? { maxPricePerSecond: o.maxPricePerSecond } : {}),
      ...(o.maxDepositPerStream !== undefined ? { maxDeposit: o.maxDepositPerStream } : {}),
      // Under a spending limit the whole deposit fits what was reserved for it.
      ...(reservation && o.book?.limited ? { allowance: reservation.amount, minDurationSeconds: minLaneSeconds(o.maxRequestSeconds) } : {}),
    });
    const stream = await createStream(o.chain, {
      recipient: provider.wallet, providerId: provider.id, serviceType: quote.serviceType, deposit: size.deposit, durationSeconds: size.durationSeconds,
    }, (p) => void (p.txHash && (sent.tx = true)), {
      ...(o.hooks?.onOpening ? {
        onOpening: async (intent: OpeningIntent) => {
          await o.hooks!.onOpening!(intent);
          // From here the opening may be on chain: its deposit stays reserved whatever fails next.
          sent.tx = true;
        },
      } : {}),
    });
    if (reservation) o.book?.opened(reservation, stream);
    // The deposit is locked on chain from here: whatever fails next, the stream is closed (never left
    // open with nobody using it, nor counted against the limits forever).
    let lane: Lane | undefined;
    try {
      const ttlSeconds = Number(stream.startTime + stream.durationSeconds) - Math.floor(Date.now() / 1000) + 300;
      const signer = await createSessionSigner({
        account: wallet.account, domain: paymentDomain(o.chain.chainId, o.chain.contracts.streamPay), streamId: stream.streamId, ttlSeconds: Math.max(ttlSeconds, 300),
        keyAgreement: quote.keyAgreement, recipient: stream.recipient,
      });
      lane = { provider, quote, stream, signer, pricePerSecond: price, metered: 0n, inflight: 0, reserved: 0n, lastUsed: Date.now() };
      await o.hooks?.onOpened?.(lane);
      return lane;
    } catch (err) {
      // Without a session signer the provider cannot be asked to settle: cancelled (a time split, the consumer's gas).
      const unused: Lane = lane ?? { provider, quote, stream, signer: refusingSigner, pricePerSecond: price, metered: 0n, inflight: 0, reserved: 0n, lastUsed: Date.now() };
      unused.abandoned = true;
      void close(unused, { cancel: lane === undefined });
      if (isClawError(err)) throw err;
      throw new ClawError("INTERNAL", {
        message: `Stream ${stream.streamId} to provider #${provider.id} was opened but could not be used (${err instanceof Error ? err.message : String(err)}); it is being closed.`, cause: err,
      });
    }
  }

  /** The current lane of `provider`, opening: its deposit is held against the limits, then the stream opened. */
  function start(provider: ProviderInfo): { pending: Promise<Lane>; lane?: Lane } {
    let reservation: Reservation | undefined;
    const sent = { tx: false };
    const e: { pending: Promise<Lane>; lane?: Lane } = {
      pending: reserve(provider).then((r) => {
        reservation = r;
        return open(provider, r, sent);
      }),
    };
    current.set(provider.id, e);
    e.pending.then(
      (l) => void (e.lane = l),
      (err: unknown) => {
        // An opening sent but not confirmed may have locked its deposit: it stays reserved (the payer's side).
        const mayBeLocked = sent.tx && !isClawError(err, "CHAIN_TX_FAILED");
        if (reservation && !mayBeLocked) o.book?.release(reservation);
        if (current.get(provider.id) === e) current.delete(provider.id);
      },
    );
    return e;
  }

  /** Resolves true when a request on `lane` ends, false after `ms`. */
  function released(lane: Lane, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const list = waiting.get(lane) ?? [];
      waiting.set(lane, list);
      const t = setTimeout(() => {
        const i = list.indexOf(wake);
        if (i >= 0) list.splice(i, 1);
        resolve(false);
      }, ms);
      const wake = (v: boolean) => {
        clearTimeout(t);
        resolve(v);
      };
      list.push(wake);
    });
  }

  /** Drops `lane` from the providers' current lanes (only if it is still the current one). */
  function forget(lane: Lane): void {
    const e = current.get(lane.provider.id);
    if (e?.lane === lane) current.delete(lane.provider.id);
  }

  function close(lane: Lane, co: { cancel?: boolean } = {}): Promise<Receipt | undefined> {
    if (lane.closing) return lane.closing;
    const t = idle.get(lane);
    if (t) clearTimeout(t);
    idle.delete(lane);
    draining.delete(lane);
    forget(lane);
    const p = closeStream(o.chain, { ...lane.stream, endpoint: lane.provider.endpoint, metered: lane.metered, signer: lane.signer }, co.cancel ? { cancel: true } : {})
      .then(async (receipt) => {
        // What left the deposit for good: the provider's share and any keeper's fee.
        o.book?.closed(lane.stream.streamId, receipt.paid + receipt.keeperFee);
        await o.hooks?.onClosed?.(lane, receipt);
        return receipt;
      })
      .catch((err: unknown) => {
        // Still counted at its whole deposit: a stream that did not close can still stream.
        o.hooks?.onCloseFailed?.(lane, err);
        return undefined;
      });
    lane.closing = p;
    closings.add(p);
    void p.finally(() => closings.delete(p));
    return p;
  }

  /** No new requests on `lane`; it closes as soon as the requests in flight on it end. */
  function retireWhenDrained(lane: Lane): void {
    lane.retiring = true;
    forget(lane);
    if (lane.inflight === 0) void close(lane);
    else draining.add(lane);
  }

  function armIdle(lane: Lane): void {
    const old = idle.get(lane);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      if (lane.inflight === 0 && Date.now() - lane.lastUsed >= idleMs - 5) void close(lane);
    }, idleMs);
    (t as { unref?: () => void }).unref?.();
    idle.set(lane, t);
  }

  return {
    /**
     * A lane for `provider` that can pay one more request, opening one if needed (its deposit held
     * against the spending limits first), and the request's worst case (price × time cap), reserved
     * on the lane until `release` is called.
     */
    async acquire(provider: ProviderInfo): Promise<{ lane: Lane; worstCase: bigint }> {
      const now = () => BigInt(Math.floor(Date.now() / 1000));
      for (let attempt = 0; attempt < 3; ) {
        // Created synchronously: concurrent requests to a provider share one opening and its reservation.
        const entry = current.get(provider.id) ?? start(provider);
        const lane = await entry.pending;
        // Check and reserve in one synchronous step: concurrent requests never both take the last room.
        const worstCase = worstCaseCost(lane.pricePerSecond, o.maxRequestSeconds);
        const state = laneState(lane, worstCase, now(), o.maxRequestSeconds);
        if (state === "usable") {
          lane.inflight += 1;
          lane.reserved += worstCase;
          lane.lastUsed = Date.now();
          return { lane, worstCase };
        }
        // Full of requests in flight: wait for one to end (its unused reservation comes back), bounded.
        if (state === "full" && lane.reserved > 0n && (await released(lane, Math.ceil(o.maxRequestSeconds * 1000) + 5_000))) continue;
        // Spent or near its end: no new requests on it; it closes (settle) once its requests end.
        if (state !== "closed") retireWhenDrained(lane);
        attempt++;
      }
      throw new ClawError("INTERNAL", { message: `No usable stream could be opened for provider #${provider.id}.` });
    },
    /** Ends a request on `lane`: drops its reservation and adds what it counted (validated billing). */
    release(lane: Lane, reserved: bigint, counted: bigint): void {
      lane.inflight -= 1;
      lane.reserved -= reserved;
      lane.metered += counted;
      lane.lastUsed = Date.now();
      for (const wake of waiting.get(lane)?.splice(0) ?? []) wake(true);
      if (lane.closing) return;
      if (lane.retiring) {
        if (lane.inflight === 0) void close(lane);
      } else armIdle(lane);
    },
    /** Stop using this lane (the provider said the stream is over, or it is unreachable) and close it. */
    retire: (lane: Lane) => close(lane),
    /** The lanes open now (in use or draining). */
    async list(): Promise<Lane[]> {
      const settled = await Promise.allSettled([...current.values()].map((e) => e.pending));
      const open = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
      return [...new Set([...open, ...draining])].filter((l) => !l.closing);
    },
    /** Closes every lane; resolves when every close (including earlier ones) has finished. */
    async closeAll(): Promise<Array<Receipt | undefined>> {
      const open = await this.list();
      const now = open.map((l) => close(l));
      const rest = [...closings];
      return Promise.all([...new Set([...now, ...rest])]);
    },
  };
}

export type Lanes = ReturnType<typeof createLanes>;
