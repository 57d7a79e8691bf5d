/**
 * `claw gateway audit`: per stream of the gateway's log, what the provider signed for (its verified
 * job receipts, ReceiptKept) against what it took on chain (StreamPay's close event, or what it
 * withdrew from a stream still open). A provider that took more than it signed for is named.
 *
 * The rule, per stream:
 *   signed    = max(sum of the receipts' costs, the highest cumulativeCost a receipt carries)
 *               (the cumulative total is the provider's own signed claim for the whole stream, so it
 *               also covers jobs whose receipt never reached us)
 *   unproven  = what the log counted for the stream's requests that have no verified receipt (a cut or
 *               cancelled answer, a bad receipt): the provider may have metered them, but signed nothing
 *   taken     = settled: `earned`; cancelled / keeper batch: the recipient's amount; open: withdrawn so far
 *   excess    = taken − signed (when positive)
 * Verdict: "ok" (no excess); "overcharged" when the provider itself took it (settle, its own cancel or a
 * withdrawal) and the excess is more than `unproven`; "unproven" when the excess fits within the
 * requests without a receipt; "paid-by-time" when the excess came from a close the provider did not
 * make (our own cancel, a keeper): the contract paid rate × time there, not a claim by the provider.
 */
import type { StoredEvent } from "../core/events.ts";
import type { StreamHistory } from "../chain/actions/get-stream-history.ts";
import { foldReceipt, type StreamReceipts } from "./receipts.ts";

/** What the chain says the provider took from one stream. */
export type ChainTake =
  | { state: "open"; withdrawn: bigint }
  | { state: "settled" | "cancelled" | "batch"; by: "provider" | "consumer" | "keeper"; taken: bigint; txHash: string };

export type StreamAudit = {
  streamId: bigint; providerId: bigint; recipient: string;
  requests: number; receipts: number;
  signedCost: bigint; lastCumulativeCost: bigint; signed: bigint;
  unreceipted: number; unproven: bigint;
  chain: ChainTake; taken: bigint; excess: bigint;
  verdict: "ok" | "overcharged" | "unproven" | "paid-by-time";
};

export type ProviderAudit = { providerId: bigint; streams: number; signed: bigint; taken: bigint; overchargedBy: bigint; overcharged: boolean };

export type GatewayAuditReport = { ok: boolean; streams: StreamAudit[]; providers: ProviderAudit[]; overcharging: bigint[] };

/** One stream of the log: its provider, its requests' nonces with what each was counted at. */
export type LoggedRequests = { streamId: bigint; providerId: bigint; recipient: string; openBlock: bigint; jobs: Map<string, { nonce: bigint; counted: bigint }> };

/** Folds the gateway's log into its streams and their requests. Pure apart from mutating `m`. */
export function foldRequests(m: Map<bigint, LoggedRequests>, e: StoredEvent): Map<bigint, LoggedRequests> {
  if (e.type === "StreamOpened") {
    const d = e.data;
    m.set(d.streamId, { streamId: d.streamId, providerId: d.providerId, recipient: d.recipient, openBlock: d.chain.blockNumber, jobs: new Map() });
  } else if (e.type === "JobAccepted") {
    m.get(e.data.streamId)?.jobs.set(e.data.jobId, { nonce: e.data.nonce, counted: 0n });
  } else if (e.type === "JobCompleted") {
    const j = m.get(e.data.streamId)?.jobs.get(e.data.jobId);
    if (j) j.counted = e.data.cost < 0n ? 0n : e.data.cost;
  }
  return m;
}

/** What a stream's history (and, when open, its withdrawn amount) says the provider took. Pure. */
export function chainTakeOf(h: StreamHistory, recipient: string, withdrawnIfOpen: bigint): ChainTake {
  const c = h.closed;
  if (!c) return { state: "open", withdrawn: withdrawnIfOpen };
  if (c.kind === "settled") return { state: "settled", by: "provider", taken: c.earned, txHash: c.txHash };
  if (c.kind === "cancelled") return { state: "cancelled", by: c.by.toLowerCase() === recipient.toLowerCase() ? "provider" : "consumer", taken: c.recipientAmount, txHash: c.txHash };
  return { state: "batch", by: "keeper", taken: c.recipientAmount, txHash: c.txHash };
}

/** One stream's verdict. Pure. */
export function auditStream(req: LoggedRequests, rec: StreamReceipts | undefined, receiptedNonces: ReadonlySet<bigint>, chain: ChainTake): StreamAudit {
  const signedCost = rec?.signedCost ?? 0n;
  const lastCumulativeCost = rec?.lastCumulativeCost ?? 0n;
  const signed = signedCost > lastCumulativeCost ? signedCost : lastCumulativeCost;
  const without = [...req.jobs.values()].filter((j) => !receiptedNonces.has(j.nonce));
  const unproven = without.reduce((t, j) => t + j.counted, 0n);
  const taken = chain.state === "open" ? chain.withdrawn : chain.taken;
  const excess = taken > signed ? taken - signed : 0n;
  const byProvider = chain.state === "open" || chain.by === "provider";
  const verdict: StreamAudit["verdict"] = excess === 0n ? "ok" : !byProvider ? "paid-by-time" : excess > unproven ? "overcharged" : "unproven";
  return {
    streamId: req.streamId, providerId: req.providerId, recipient: req.recipient, requests: req.jobs.size, receipts: rec?.receipts ?? 0,
    signedCost, lastCumulativeCost, signed, unreceipted: without.length, unproven, chain, taken, excess, verdict,
  };
}

export type LogView = { requests: Map<bigint, LoggedRequests>; receipts: Map<bigint, StreamReceipts>; receipted: Map<bigint, Set<bigint>> };

export const emptyLogView = (): LogView => ({ requests: new Map(), receipts: new Map(), receipted: new Map() });

/** Folds one event of the gateway's log into its streams, their receipts and which (stream, nonce) have one (for store.replay). */
export function foldLogView(v: LogView, e: StoredEvent): LogView {
  foldRequests(v.requests, e);
  foldReceipt(v.receipts, e);
  if (e.type === "ReceiptKept") {
    const set = v.receipted.get(e.data.streamId) ?? new Set<bigint>();
    set.add(e.data.nonce);
    v.receipted.set(e.data.streamId, set);
  }
  return v;
}

/**
 * @example
 * const view = store.replay(foldLogView, emptyLogView());
 * const report = auditGateway(view, new Map([[7n, { state: "settled", by: "provider", taken: 900n, txHash }]]));
 * if (!report.ok) console.log(report.overcharging); // provider ids
 */
export function auditGateway(view: LogView, chain: ReadonlyMap<bigint, ChainTake>): GatewayAuditReport {
  const streams: StreamAudit[] = [];
  for (const req of view.requests.values()) {
    const take = chain.get(req.streamId);
    if (!take) continue;
    streams.push(auditStream(req, view.receipts.get(req.streamId), view.receipted.get(req.streamId) ?? new Set(), take));
  }
  streams.sort((a, b) => (a.streamId < b.streamId ? -1 : 1));
  const byId = new Map<bigint, ProviderAudit>();
  for (const s of streams) {
    const p = byId.get(s.providerId) ?? { providerId: s.providerId, streams: 0, signed: 0n, taken: 0n, overchargedBy: 0n, overcharged: false };
    p.streams += 1;
    p.signed += s.signed;
    p.taken += s.taken;
    if (s.verdict === "overcharged") {
      p.overcharged = true;
      p.overchargedBy += s.excess;
    }
    byId.set(s.providerId, p);
  }
  const providers = [...byId.values()].sort((a, b) => (a.providerId < b.providerId ? -1 : 1));
  const overcharging = providers.filter((p) => p.overcharged).map((p) => p.providerId);
  return { ok: overcharging.length === 0, streams, providers, overcharging };
}

/** What a close receipt (client/close-stream.ts) says the provider took. Pure. */
export function chainTakeOfReceipt(r: { closedBy: string; paid: bigint; txHashes: { close?: string } }): ChainTake {
  const txHash = r.txHashes.close ?? "";
  if (r.closedBy === "provider-settle") return { state: "settled", by: "provider", taken: r.paid, txHash };
  if (r.closedBy === "provider-cancel" || r.closedBy === "consumer-cancel") return { state: "cancelled", by: r.closedBy === "provider-cancel" ? "provider" : "consumer", taken: r.paid, txHash };
  return { state: "batch", by: "keeper", taken: r.paid, txHash };
}

/**
 * One stream's verdict from the log, as the gateway closes it (it replays the log: call it only when
 * the provider was paid more than the stream's requests were counted at, the only way to overcharge).
 * @example
 * const a = streamVerdict(log.store, 7n, chainTakeOfReceipt(receipt));
 * if (a?.verdict === "overcharged") log.fault(providerFault(a.providerId, "overcharged", "…"), 7n);
 */
export function streamVerdict(store: { replay<S>(evolve: (s: S, e: StoredEvent) => S, init: S): S }, streamId: bigint, take: ChainTake): StreamAudit | undefined {
  const view = store.replay(foldLogView, emptyLogView());
  const req = view.requests.get(streamId);
  return req ? auditStream(req, view.receipts.get(streamId), view.receipted.get(streamId) ?? new Set(), take) : undefined;
}
