/**
 * Lanes: one payment stream per provider, opened on first use and reused across requests, replaced
 * when spent or near its end, closed when idle (the provider's settle route, cancel as the fallback).
 * Used by createPayingFetch and so by the gateway. Concurrent requests to a provider share one
 * opening (one transaction), never open two.
 */
import { ClawError } from "../core/errors.ts";
import { paymentDomain } from "../core/payment.ts";
import { requireWallet, type ClientChain } from "./chain.ts";
import { closeStream } from "./close-stream.ts";
import { createStream, type OpenedStream } from "./open-stream.ts";
import { createSessionSigner, type PaymentSigner } from "./payment-signer.ts";
import { fetchQuote } from "./quote.ts";
import { sizeStream } from "./stream-size.ts";
import type { ProviderInfo, Quote, Receipt } from "./types.ts";

export type Lane = {
  provider: ProviderInfo;
  quote: Quote;
  stream: OpenedStream;
  signer: PaymentSigner;
  /** Sum of the job costs billed on this stream. */
  metered: bigint;
  inflight: number;
  /** Worst-case cost reserved by requests in flight. */
  reserved: bigint;
  lastUsed: number;
  closing?: Promise<Receipt | undefined>;
};

export type LaneHooks = {
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
  hooks?: LaneHooks;
};

const SETTLE_MARGIN_SECONDS = 30n;

/** True when the lane can take one more request of `worstCase` wei now. Pure. */
export function laneUsable(l: Lane, worstCase: bigint, nowSeconds: bigint, maxRequestSeconds: number): boolean {
  if (l.closing) return false;
  const end = l.stream.startTime + l.stream.durationSeconds;
  if (nowSeconds + BigInt(Math.ceil(maxRequestSeconds)) + SETTLE_MARGIN_SECONDS > end) return false;
  return l.stream.deposit - l.metered - l.reserved >= worstCase;
}

export function createLanes(o: LaneOptions) {
  const lanes = new Map<bigint, Promise<Lane>>();
  const timers = new Map<bigint, ReturnType<typeof setTimeout>>();
  const closings = new Set<Promise<Receipt | undefined>>();
  const idleMs = o.idleCloseMs ?? 60_000;

  async function open(provider: ProviderInfo): Promise<Lane> {
    const wallet = requireWallet(o.chain, "Paying for requests");
    const quote = await fetchQuote(o.chain, provider);
    const price = quote.pricePerSecond > provider.pricePerSecond ? quote.pricePerSecond : provider.pricePerSecond;
    const parallel = BigInt(Math.max(1, Math.floor(o.parallel ?? 1)));
    // The stream pays price × parallel per second, so the provider may run `parallel` jobs at once on it.
    const perJobDeposit = o.maxDepositPerStream === undefined ? undefined : o.maxDepositPerStream / parallel;
    const size = sizeStream({
      pricePerSecond: price, expectedSeconds: o.expectedSeconds ?? 120, queueWaitMs: quote.queue.expectedWaitMs, minJobMs: quote.minJobMs,
      ...(o.maxPricePerSecond !== undefined ? { maxPricePerSecond: o.maxPricePerSecond } : {}),
      ...(perJobDeposit !== undefined ? { maxDeposit: perJobDeposit } : {}),
    });
    const stream = await createStream(o.chain, {
      recipient: provider.wallet, providerId: provider.id, serviceType: quote.serviceType, deposit: size.deposit * parallel, durationSeconds: size.durationSeconds,
    });
    const ttlSeconds = Number(stream.startTime + stream.durationSeconds) - Math.floor(Date.now() / 1000) + 300;
    const signer = await createSessionSigner({
      account: wallet.account, domain: paymentDomain(o.chain.chainId, o.chain.contracts.streamPay), streamId: stream.streamId, ttlSeconds: Math.max(ttlSeconds, 300),
    });
    const lane: Lane = { provider, quote, stream, signer, metered: 0n, inflight: 0, reserved: 0n, lastUsed: Date.now() };
    await o.hooks?.onOpened?.(lane);
    return lane;
  }

  function close(lane: Lane): Promise<Receipt | undefined> {
    if (lane.closing) return lane.closing;
    const t = timers.get(lane.provider.id);
    if (t) clearTimeout(t);
    lanes.delete(lane.provider.id);
    const p = closeStream(o.chain, { ...lane.stream, endpoint: lane.provider.endpoint, metered: lane.metered, signer: lane.signer })
      .then(async (receipt) => {
        await o.hooks?.onClosed?.(lane, receipt);
        return receipt;
      })
      .catch((err: unknown) => {
        o.hooks?.onCloseFailed?.(lane, err);
        return undefined;
      });
    lane.closing = p;
    closings.add(p);
    void p.finally(() => closings.delete(p));
    return p;
  }

  function armIdle(lane: Lane): void {
    const old = timers.get(lane.provider.id);
    if (old) clearTimeout(old);
    const t = setTimeout(() => {
      if (lane.inflight === 0 && Date.now() - lane.lastUsed >= idleMs - 5) void close(lane);
    }, idleMs);
    (t as { unref?: () => void }).unref?.();
    timers.set(lane.provider.id, t);
  }

  return {
    /**
     * A lane for `provider` that can pay a request of `worstCase` wei, opening one if needed; the
     * request is counted in flight until `release` is called.
     */
    async acquire(provider: ProviderInfo, worstCase: bigint): Promise<Lane> {
      const now = () => BigInt(Math.floor(Date.now() / 1000));
      for (let attempt = 0; attempt < 3; attempt++) {
        let pending = lanes.get(provider.id);
        if (!pending) {
          pending = open(provider);
          lanes.set(provider.id, pending);
          pending.catch(() => lanes.delete(provider.id));
        }
        const lane = await pending;
        if (laneUsable(lane, worstCase, now(), o.maxRequestSeconds)) {
          lane.inflight += 1;
          lane.reserved += worstCase;
          lane.lastUsed = Date.now();
          return lane;
        }
        // Spent or near its end: close it (settle) and open a fresh one.
        if (lanes.get(provider.id) === pending) void close(lane);
      }
      throw new ClawError("INTERNAL", { message: `No usable stream could be opened for provider #${provider.id}.` });
    },
    /** Ends a request on `lane`: drops its reservation and adds what it was billed. */
    release(lane: Lane, reserved: bigint, billed: bigint): void {
      lane.inflight -= 1;
      lane.reserved -= reserved;
      lane.metered += billed;
      lane.lastUsed = Date.now();
      if (!lane.closing) armIdle(lane);
    },
    /** Stop using this lane (the provider said the stream is over, or it is unreachable) and close it. */
    retire: (lane: Lane) => close(lane),
    /** The lanes open now. */
    async list(): Promise<Lane[]> {
      const settled = await Promise.allSettled([...lanes.values()]);
      return settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
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
