/**
 * A consumer's rating of a closed stream (ComputeRegistry.rateStream, issue 22), from what the
 * consumer itself measured — the same rule for the gateway and the SDK session:
 *
 * - score = floor(100 × receipts verified / requests), 0 when nothing was asked or the provider was
 *   caught taking more than it signed for (overcharged). A request without a verified receipt (a
 *   missing, forged or mismatching receipt, a lying cost, an answer cut or oversized) is a failure.
 * - ttftMs = the median (lower middle) time to first token measured at the consumer; 0 unmeasured.
 * - tokensPerSecond = the median of output tokens ÷ metered seconds per answer that reported its
 *   usage; 0 when none did (the gateway does not count tokens: it posts 0).
 * - failures = requests − receipts verified.
 * - receiptDigest = a hash chain over the EIP-712 digests (core/receipt.ts receiptDigest) of the
 *   stream's verified receipts, in the order the consumer kept them: h0 = 0, hi = keccak256(hi−1 ‖ di);
 *   zero when none. Anyone holding the receipts (the gateway's ReceiptKept log) can recompute it.
 *
 * Posted once per stream that closed (settled, cancelled or depleted) and paid the provider > 0;
 * the registry refuses the rest. Costs the rater gas: ~51,600 a rating (contracts/README.md).
 * Never throws: a rating that fails is reported, closing is not undone.
 */
import { concat, keccak256, zeroHash, type Hex } from "viem";
import { rateStream, type StreamRating } from "../chain/actions/rate-stream.ts";
import { receiptDigest, type SignedReceipt } from "../core/receipt.ts";
import { paymentDomain } from "../core/payment.ts";
import { requireWallet, type ClientChain } from "./chain.ts";
import type { Receipt } from "./types.ts";

const SAMPLES = 200;

/** One stream's measurements, kept while it is open: O(1) memory apart from ≤ 200 samples each. */
export type StreamMeasure = {
  requests: number; verified: number; overcharged: boolean;
  ttftMs: number[]; tokensPerSecond: number[]; receiptChain: Hex;
  /** Receipts queued by queueReceipt, hashed in order off the request's path (drained before rating). */
  pending?: Array<{ d: { chainId: number; streamPay: Hex }; r: SignedReceipt; o: { ttftMs?: number; outputTokens?: number } }>;
};

export const newMeasure = (): StreamMeasure => ({ requests: 0, verified: 0, overcharged: false, ttftMs: [], tokensPerSecond: [], receiptChain: zeroHash });

/** Measures every queued receipt now, in the order queued. */
export function drainReceipts(m: StreamMeasure): void {
  const queued = m.pending ?? [];
  m.pending = undefined;
  for (const q of queued) measureReceipt(m, q.d, q.r, q.o);
}

/**
 * measureReceipt later (a 0 ms timer: web-standard, the SDK runs in browsers), so hashing the receipt stays off the path that answers the
 * caller; order is kept, and rateClosedStream drains what is still queued first.
 * @example
 * queueReceipt(m, { chainId, streamPay }, receipt, { ttftMs: 41 });
 */
export function queueReceipt(m: StreamMeasure, d: { chainId: number; streamPay: Hex }, r: SignedReceipt, o: { ttftMs?: number; outputTokens?: number } = {}): void {
  if (!m.pending) {
    m.pending = [];
    setTimeout(() => drainReceipts(m), 0);
  }
  m.pending.push({ d, r, o });
}

const sample = (xs: number[], x: number | undefined) => {
  if (x === undefined || !Number.isFinite(x) || x < 0) return;
  xs.push(x);
  if (xs.length > SAMPLES) xs.shift();
};

/** A request paid on the stream (its answer may or may not carry a receipt). */
export function measureRequest(m: StreamMeasure): void {
  m.requests += 1;
}

/**
 * A verified receipt: counted, chained, its ttft and tokens/s sampled. `chain` gives the EIP-712 domain.
 * @example
 * measureReceipt(m, { chainId, streamPay }, receipt, { ttftMs: 41, outputTokens: 120 });
 */
export function measureReceipt(m: StreamMeasure, d: { chainId: number; streamPay: Hex }, r: SignedReceipt, o: { ttftMs?: number; outputTokens?: number } = {}): void {
  m.verified += 1;
  m.receiptChain = keccak256(concat([m.receiptChain, receiptDigest(paymentDomain(d.chainId, d.streamPay), r)]));
  sample(m.ttftMs, o.ttftMs);
  if (o.outputTokens !== undefined && r.meteredMs > 0n) sample(m.tokensPerSecond, (o.outputTokens * 1000) / Number(r.meteredMs));
}

const median = (xs: readonly number[]) => (xs.length === 0 ? 0 : [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!);
const cap = (x: number, max: number) => Math.min(max, Math.max(0, Math.floor(x)));

/**
 * The rating the rule gives. Pure.
 * @example
 * ratingOf({ ...newMeasure(), requests: 4, verified: 3 }).score // 75
 */
export function ratingOf(m: StreamMeasure): Required<StreamRating> {
  const verified = Math.min(m.verified, m.requests);
  const score = m.overcharged || m.requests === 0 ? 0 : Math.floor((100 * verified) / m.requests);
  return {
    score, ttftMs: cap(Math.round(median(m.ttftMs)), 2 ** 24 - 1), tokensPerSecond: cap(median(m.tokensPerSecond), 2 ** 24 - 1),
    failures: cap(m.requests - verified, 2 ** 16 - 1), receiptDigest: m.receiptChain,
  };
}

/** Whether the registry would take a rating of this closed stream: it closed and paid the provider something. Pure. */
export function rateable(r: Pick<Receipt, "paid" | "txHashes">): boolean {
  return r.paid > 0n && r.txHashes.close !== undefined;
}

export type RatingOutcome =
  | { posted: true; streamId: bigint; rating: Required<StreamRating>; txHash: Hex; gasUsed: bigint }
  | { posted: false; streamId: bigint; reason: string };

/**
 * Posts the stream's rating when it is rateable. Never throws.
 * @example
 * const outcome = await rateClosedStream(chain, receipt, measure);
 */
export async function rateClosedStream(chain: ClientChain, receipt: Receipt, m: StreamMeasure): Promise<RatingOutcome> {
  const streamId = receipt.streamId;
  drainReceipts(m);
  if (!rateable(receipt)) return { posted: false, streamId, reason: receipt.paid > 0n ? "the stream has no closing transaction" : "the provider was paid nothing" };
  const rating = ratingOf(m);
  try {
    const wallet = requireWallet(chain, "Rating a stream");
    const { hash, receipt: tx } = await rateStream(wallet, { registry: chain.contracts.registry, streamId, ...rating }, { confirmations: chain.confirmations });
    return { posted: true, streamId, rating, txHash: hash, gasUsed: tx.gasUsed };
  } catch (err) {
    return { posted: false, streamId, reason: err instanceof Error ? err.message : String(err) };
  }
}
