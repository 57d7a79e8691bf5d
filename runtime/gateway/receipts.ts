/**
 * The provider-signed job receipts the gateway verified (client/answer-checks.ts) and keeps in its
 * log as ReceiptKept events: the evidence `claw gateway audit` reconciles with what each provider
 * took on chain, and what a later reputation or bond can use.
 */
import * as ev from "../core/events.ts";
import type { StoredEvent } from "../core/events.ts";
import type { SignedReceipt } from "../core/receipt.ts";
import type { EventStore } from "../store/index.ts";

/**
 * Appends the receipt (a second one for the same stream and nonce is a duplicate, not stored).
 * @example
 * keepReceipt(log.store, { providerId: 3n, signer: lane.stream.recipient, receipt, measuredTtftMs: 41 });
 */
export function keepReceipt(store: Pick<EventStore, "append">, k: { providerId: bigint; signer: string; receipt: SignedReceipt; measuredTtftMs?: number }): void {
  const r = k.receipt;
  store.append(ev.receiptKept({
    providerId: k.providerId, streamId: r.streamId, nonce: r.nonce, requestHash: r.requestHash, jobId: r.jobId, model: r.model,
    meteredMs: r.meteredMs, cost: r.cost, cumulativeCost: r.cumulativeCost, ttftMs: r.ttftMs, outputHash: r.outputHash, signature: r.signature,
    signer: k.signer, ...(k.measuredTtftMs !== undefined ? { measuredTtftMs: Math.round(k.measuredTtftMs) } : {}),
  }));
}

/** What one stream's receipts add up to. */
export type StreamReceipts = { streamId: bigint; providerId: bigint; receipts: number; signedCost: bigint; lastCumulativeCost: bigint };

/** Folds ReceiptKept events into per-stream sums. Pure apart from mutating `m`. */
export function foldReceipt(m: Map<bigint, StreamReceipts>, e: StoredEvent): Map<bigint, StreamReceipts> {
  if (e.type !== "ReceiptKept") return m;
  const d = e.data;
  const s = m.get(d.streamId) ?? { streamId: d.streamId, providerId: d.providerId, receipts: 0, signedCost: 0n, lastCumulativeCost: 0n };
  s.receipts += 1;
  s.signedCost += d.cost;
  // The provider's own running total; the highest it signed is its latest claim.
  if (d.cumulativeCost > s.lastCumulativeCost) s.lastCumulativeCost = d.cumulativeCost;
  m.set(d.streamId, s);
  return m;
}
