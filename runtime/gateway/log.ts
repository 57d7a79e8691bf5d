/**
 * The gateway's memory: its own hash-chained SQLite event log (the runtime's store code and event
 * types, seen from the buying side). A stream's opening is a StreamOpening, written before its
 * transaction is broadcast (resolved by StreamOpened, or StreamOpenFailed: reverted / dropped; see
 * ./openings.ts). A stream it opened is a StreamOpened; each paid request a
 * JobAccepted (the nonce and body hash it was signed with) and a JobCompleted (what the provider
 * billed, or the worst case when no billing arrived); a close is StreamSettled / StreamCancelled /
 * StreamBatchUpdated from the receipt. Replaying it gives the open streams (closed or resumed after
 * a restart, so no deposit is forgotten), spending per window (what the chain can take: see
 * client/chain-spend.ts), what providers billed per model and per provider, refunds, and the faults
 * providers were caught at (ProviderFaulted).
 */
import type { Address } from "viem";
import * as ev from "../core/events.ts";
import type { StoredEvent } from "../core/events.ts";
import type { StreamStatus } from "../core/stream.ts";
import type { SpendStream } from "../client/chain-spend.ts";
import type { ProviderFault } from "../client/faults.ts";
import type { Lane } from "../client/lanes.ts";
import type { OpeningIntent } from "../client/open-stream.ts";
import type { PaidRequest } from "../client/paying-fetch.ts";
import type { SpendLedger } from "../client/spend-book.ts";
import { DAY_MS } from "../client/spend-limits.ts";
import type { Receipt } from "../client/types.ts";
import { openStore } from "../store/index.ts";
import type { EventStore } from "../store/index.ts";

export type LoggedStream = {
  streamId: bigint; providerId: bigint; recipient: string; deposit: bigint; openTx: string; openBlock: bigint; openedAt: number;
  /** The stream's on-chain window (unix start, seconds): what it has streamed by now follows from them. */
  startTime: bigint; durationSeconds: bigint;
  status: Exclude<StreamStatus, "none">; model?: string; metered: bigint; paid: bigint; refunded: bigint; keeperFee: bigint; requests: number;
  /** When its close was logged (ms). */
  closedAt?: number;
};

/** A logged opening (StreamOpening) and how it ended: "opened" (its StreamOpened is logged), "reverted", "dropped"; none yet = pending. */
export type LoggedOpening = { intent: ev.StreamOpening; position: number; time: number; resolved?: string };

export type GatewayState = {
  streams: Map<bigint, LoggedStream>;
  /** Openings by lower-case transaction hash. */
  openings: Map<string, LoggedOpening>;
  /** What providers billed (validated costs, never negative), per model and per provider. */
  byModel: Map<string, { requests: number; spent: bigint }>;
  byProvider: Map<string, { requests: number; spent: bigint }>;
};

export const emptyState = (): GatewayState => ({ streams: new Map(), openings: new Map(), byModel: new Map(), byProvider: new Map() });

/**
 * An opening not resolved yet, as the spending limits count it: its whole deposit, under a negative id
 * (never a stream's) from its log position, from when it was logged. Pure.
 */
export function spendOpeningOf(o: LoggedOpening): SpendStream {
  return { streamId: -BigInt(o.position), deposit: o.intent.deposit, startTime: BigInt(Math.floor(o.time / 1000)), durationSeconds: o.intent.duration, billed: 0n };
}

/** A logged stream as the spending limits count it. Pure. */
export function spendStreamOf(s: LoggedStream): SpendStream {
  return {
    streamId: s.streamId, deposit: s.deposit, startTime: s.startTime, durationSeconds: s.durationSeconds, billed: s.metered,
    ...(s.status !== "active" ? { closed: { at: s.closedAt ?? s.openedAt, paid: s.paid + s.keeperFee } } : {}),
  };
}

function bump(m: Map<string, { requests: number; spent: bigint }>, k: string, cost: bigint): void {
  const e = m.get(k) ?? { requests: 0, spent: 0n };
  m.set(k, { requests: e.requests + 1, spent: e.spent + cost });
}

/** Folds one event into the state. Pure apart from mutating `s`. */
export function evolve(s: GatewayState, e: StoredEvent): GatewayState {
  switch (e.type) {
    case "StreamOpened": {
      const d = e.data;
      s.streams.set(d.streamId, {
        streamId: d.streamId, providerId: d.providerId, recipient: d.recipient, deposit: d.deposit, openTx: d.chain.txHash, openBlock: d.chain.blockNumber,
        openedAt: e.time, startTime: d.startTime, durationSeconds: d.duration, status: "active", metered: 0n, paid: 0n, refunded: 0n, keeperFee: 0n, requests: 0,
      });
      const o = s.openings.get(d.chain.txHash.toLowerCase());
      if (o) o.resolved = "opened";
      break;
    }
    case "StreamOpening":
      s.openings.set(e.data.txHash.toLowerCase(), { intent: e.data, position: e.position, time: e.time });
      break;
    case "StreamOpenFailed": {
      const o = s.openings.get(e.data.txHash.toLowerCase());
      if (o && !o.resolved) o.resolved = e.data.reason;
      break;
    }
    case "JobAccepted": {
      const st = s.streams.get(e.data.streamId);
      if (st) st.model = e.data.offering;
      break;
    }
    case "JobCompleted": {
      const st = s.streams.get(e.data.streamId);
      // Logs written before costs were validated may hold a provider's negative cost: never below 0.
      const cost = e.data.cost < 0n ? 0n : e.data.cost;
      if (st) {
        st.metered += cost;
        st.requests += 1;
        bump(s.byModel, st.model ?? "?", cost);
        bump(s.byProvider, st.providerId.toString(), cost);
      }
      break;
    }
    case "StreamSettled":
    case "StreamCancelled":
    case "StreamBatchUpdated": {
      const st = s.streams.get(e.data.streamId);
      if (!st) break;
      st.status = e.type === "StreamSettled" ? "settled" : e.type === "StreamCancelled" ? "cancelled" : "depleted";
      st.paid = e.type === "StreamSettled" ? e.data.earned : e.data.recipientAmount;
      st.refunded = e.type === "StreamSettled" ? e.data.refund : e.data.senderRefund;
      st.keeperFee = e.type === "StreamBatchUpdated" ? e.data.keeperFee : 0n;
      st.closedAt = e.time;
      break;
    }
    default:
      break;
  }
  return s;
}

export type GatewayLog = ReturnType<typeof openGatewayLog>;

/**
 * @example
 * const log = openGatewayLog(".claw/gateway.db", wallet);
 * log.state().streams // every stream this gateway opened, open or closed
 */
export function openGatewayLog(path: string, wallet: Address, o: { readonly?: boolean } = {}) {
  const store: EventStore = openStore({ path, ...(o.readonly ? { readonly: true } : {}) });
  // The live state follows every append (one process writes this log).
  const state = store.replay(evolve, emptyState());
  if (!o.readonly) store.subscribe((e: StoredEvent) => evolve(state, e));

  // Openings an earlier run logged and never resolved (it may have crashed with the transaction out):
  // counted at their whole deposit until recovery finds out (./recover.ts). This run's own openings are
  // held by the paying fetch's reservation meanwhile, so they are not counted twice.
  const orphans = new Set([...state.openings].filter(([, x]) => !x.resolved).map(([h]) => h));
  const pendingOrphans = () => [...orphans].flatMap((h) => {
    const x = state.openings.get(h);
    return x && !x.resolved ? [x] : [];
  });

  // The streams the limits count: open ones, the ones closed within the last day, and orphaned openings.
  const ledger: SpendLedger = {
    streams: () => [
      ...[...state.streams.values()].filter((x) => x.status === "active" || (x.closedAt ?? 0) >= Date.now() - DAY_MS).map(spendStreamOf),
      ...pendingOrphans().map(spendOpeningOf),
    ],
  };

  return {
    store, ledger,
    state: () => state,
    /** Openings an earlier run logged and nobody resolved yet (what recovery looks up on chain). */
    orphanOpenings: pendingOrphans,
    /**
     * Logged before the opening is broadcast, and synced to disk before this returns whatever the log's
     * durability: a power cut right after the broadcast must not make the gateway forget the deposit.
     * One fsync per stream opened, none per request.
     */
    streamOpening(i: OpeningIntent): void {
      store.append(ev.streamOpening({
        txHash: i.txHash, sender: i.sender, recipient: i.recipient, providerId: i.providerId, deposit: i.deposit, duration: i.durationSeconds, serviceType: i.serviceType, nonce: BigInt(i.nonce),
      }), { synced: true });
    },
    /** An opening that never made a stream ("reverted", "dropped"). */
    openFailed(txHash: string, reason: "reverted" | "dropped", detail: string): void {
      store.append(ev.streamOpenFailed({ txHash, reason, detail }));
    },
    streamOpened(lane: Pick<Lane, "stream">): void {
      const s = lane.stream;
      store.append(ev.streamOpened({
        streamId: s.streamId, sender: s.sender, recipient: s.recipient, providerId: s.providerId, deposit: s.deposit, startTime: s.startTime,
        duration: s.durationSeconds, serviceType: s.serviceType, chain: { blockNumber: s.openBlock, txHash: s.openTx, logIndex: 0 },
      }));
    },
    paid(p: PaidRequest): void {
      const s = p.lane.stream;
      const jobId = p.billing?.jobId ?? `unbilled-${s.streamId}-${p.proof.nonce}`;
      store.append([
        ev.jobAccepted({
          jobId, streamId: s.streamId, offering: p.model, providerId: s.providerId, nonce: p.proof.nonce, bodyHash: p.proof.bodyHash, signer: wallet,
          pricePerSecond: p.billing?.pricePerSecond ?? p.lane.provider.pricePerSecond, task: p.route,
        }),
        ev.jobCompleted({ jobId, streamId: s.streamId, meteredMs: BigInt(p.billing?.meteredMs ?? 0), cost: p.counted, tokens: {} }),
      ]);
    },
    /** A provider's fault (a lying cost, …), with the stream it happened on when known. */
    fault(f: ProviderFault, streamId?: bigint): void {
      store.append(ev.providerFaulted({ providerId: f.providerId, kind: f.kind, detail: f.detail, ...(streamId !== undefined ? { streamId } : {}) }, { time: f.at }));
    },
    closed(streamId: bigint, r: Receipt, closeBlock: bigint): void {
      const chain = { blockNumber: closeBlock, txHash: r.txHashes.close ?? `0x${"0".repeat(64)}`, logIndex: 0 };
      if (r.closedBy === "provider-settle") store.append(ev.streamSettled({ streamId, earned: r.paid, paidNow: r.paid, refund: r.refunded, chain }));
      else if (r.closedBy === "consumer-cancel" || r.closedBy === "provider-cancel") {
        store.append(ev.streamCancelled({ streamId, by: r.closedBy === "consumer-cancel" ? wallet : r.recipient, recipientAmount: r.paid, senderRefund: r.refunded, chain }));
      } else store.append(ev.streamBatchUpdated({ streamId, keeper: "", recipientAmount: r.paid, senderRefund: r.refunded, keeperFee: r.keeperFee, chain }));
    },
    close: () => store.close(),
  };
}
