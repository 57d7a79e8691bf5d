/**
 * What the gateway does with every stream that closed, whoever closed it — a lane of this run (idle,
 * spent, `close()`) or the restart recovery closing a stream an earlier run left open (./recover.ts):
 *  1. the close is logged (StreamSettled / StreamCancelled / StreamBatchUpdated);
 *  2. the overcharge check: paid more than its requests were counted at, the provider's take is set
 *     against what it signed for (./audit.ts); one that took more is faulted (ProviderFaulted, the
 *     fault book routes around it);
 *  3. the rating (when on): from what this run measured, or — a stream of an earlier run — from what
 *     the log kept of it (its paid requests and verified receipts, in the order kept), the same rule.
 */
import type { Hex } from "viem";
import type { StoredEvent } from "../core/events.ts";
import type { ClientChain } from "../client/chain.ts";
import { providerFault } from "../client/faults.ts";
import type { FaultBook } from "../client/faults-routing.ts";
import { measureReceipt, newMeasure, rateClosedStream, type RatingOutcome, type StreamMeasure } from "../client/rating.ts";
import type { Receipt } from "../client/types.ts";
import { chainTakeOfReceipt, streamVerdict } from "./audit.ts";
import type { GatewayLog } from "./log.ts";
import { blockOf } from "./recover.ts";

/** A stream's measure rebuilt from the log: each paid request (JobCompleted), each verified receipt (ReceiptKept) in log order. Pure. */
export function measureFromLog(store: { replay<S>(evolve: (s: S, e: StoredEvent) => S, init: S): S }, streamId: bigint, d: { chainId: number; streamPay: Hex }): StreamMeasure {
  return store.replay((m: StreamMeasure, e: StoredEvent) => {
    if (e.type === "JobCompleted" && e.data.streamId === streamId) m.requests += 1;
    else if (e.type === "ReceiptKept" && e.data.streamId === streamId) {
      const r = e.data;
      const receipt = {
        streamId: r.streamId, nonce: r.nonce, requestHash: r.requestHash as Hex, jobId: r.jobId, model: r.model, meteredMs: r.meteredMs,
        cost: r.cost, cumulativeCost: r.cumulativeCost, ttftMs: r.ttftMs, outputHash: r.outputHash as Hex, signature: r.signature as Hex,
      };
      measureReceipt(m, d, receipt, r.measuredTtftMs !== undefined ? { ttftMs: r.measuredTtftMs } : {});
    }
    return m;
  }, newMeasure());
}

export type ClosePathOptions = {
  chain: ClientChain; log: GatewayLog; faults: FaultBook;
  /** Rate on chain (startGateway's `rate`). */
  rate: boolean;
  note: (line: string) => void;
  /** Rating outcomes are pushed here (the last 1,000 kept). */
  ratings: RatingOutcome[];
};

/** A closed stream as the close path needs it: its id and the provider it paid (on chain: the stream's providerId). */
export type ClosedStream = { streamId: bigint; providerId: bigint };

/**
 * @example
 * const onStreamClosed = createClosePath({ chain, log, faults, rate: true, note, ratings });
 * await onStreamClosed({ streamId, providerId }, receipt, measure); // measure: undefined = rebuilt from the log
 */
export function createClosePath(o: ClosePathOptions) {
  return async function onStreamClosed(s: ClosedStream, receipt: Receipt, measure?: StreamMeasure | "skip"): Promise<void> {
    o.log.closed(s.streamId, receipt, await blockOf(o.chain, receipt.txHashes.close));
    // Paid more than its requests were counted at: did the provider take more than it signed for?
    const counted = o.log.state().streams.get(s.streamId)?.metered ?? 0n;
    const a = receipt.paid > counted ? streamVerdict(o.log.store, s.streamId, chainTakeOfReceipt(receipt)) : undefined;
    if (a?.verdict === "overcharged") {
      const f = providerFault(s.providerId, "overcharged", `stream ${a.streamId}: took ${a.taken} wei, signed for ${a.signed} wei (${a.excess} more) by ${receipt.closedBy}.`);
      o.faults.record(f);
      o.log.fault(f, s.streamId);
      o.note(`provider #${s.providerId} fault (overcharged): ${f.detail}`);
    }
    if (!o.rate || measure === "skip") return;
    const m = measure ?? measureFromLog(o.log.store, s.streamId, { chainId: o.chain.chainId, streamPay: o.chain.contracts.streamPay });
    if (a?.verdict === "overcharged") m.overcharged = true;
    // Never throws: a rating that fails is a note, the stream stays closed.
    const r = await rateClosedStream(o.chain, receipt, m);
    o.ratings.push(r);
    if (o.ratings.length > 1000) o.ratings.shift();
    o.note(r.posted ? `rated provider #${s.providerId} for stream ${r.streamId}: score ${r.rating.score}/100, ${r.rating.failures} failures (${r.gasUsed} gas)` : `stream ${r.streamId} not rated: ${r.reason}`);
  };
}

export type OnStreamClosed = ReturnType<typeof createClosePath>;
