/**
 * Per payment stream: what the chain said (deposit, rate, payouts, status) next to what the
 * runtime metered (jobs, milliseconds, cost). `evolveStream` is pure (returns a new view);
 * `evolveStreams` applies it to a map it owns.
 */
import type { ChainRef, StoredEvent } from "../events.ts";
import type { StreamStatus } from "../stream.ts";

export interface StreamView {
  streamId: bigint;
  /** The contract's status as the log knows it: "none" until the StreamOpened event is seen (e.g. jobs read
   *  before the watcher caught up), "active" from then until a closing event. */
  status: StreamStatus;
  sender: string | null; recipient: string | null; providerId: bigint | null; serviceType: number | null;
  deposit: bigint; startTime: bigint; duration: bigint;
  /** floor(deposit / duration), the whole-wei rate. */
  ratePerSecond: bigint;
  jobs: number; jobsCompleted: number; jobsFailed: number;
  /** Sum of metered milliseconds and of costs of ended jobs (completed and failed). */
  meteredMs: bigint; metered: bigint;
  /** The amount of the last settle transaction the runtime sent, if any. */
  settlementSubmitted: bigint | null;
  /** `earned` from the chain's StreamSettled (the amount charged). */
  settled: bigint | null;
  /** Paid to the recipient by withdrawals, settle, cancel and keeper batches. */
  paidToRecipient: bigint;
  /** Recipient withdrawals (StreamWithdrawn) only. */
  withdrawn: bigint;
  /** Returned to the sender by settle, cancel and keeper batches. */
  refunded: bigint;
  keeperFees: bigint;
  /** What the registry recorded as earned from this stream (CompletionRecorded), if seen. */
  registryRecorded: bigint | null;
  rejections: number;
  opened: ChainRef | null;
  closed: ChainRef | null;
  lastTime: number;
}

/** An empty view for a stream first seen through `event`. */
export function emptyStream(streamId: bigint): StreamView {
  return {
    streamId, status: "none", sender: null, recipient: null, providerId: null, serviceType: null,
    deposit: 0n, startTime: 0n, duration: 0n, ratePerSecond: 0n,
    jobs: 0, jobsCompleted: 0, jobsFailed: 0, meteredMs: 0n, metered: 0n,
    settlementSubmitted: null, settled: null, paidToRecipient: 0n, withdrawn: 0n, refunded: 0n, keeperFees: 0n,
    registryRecorded: null, rejections: 0, opened: null, closed: null, lastTime: 0,
  };
}

/** The stream an event is about, if any. */
export function streamIdOf(e: StoredEvent): bigint | undefined {
  const d = e.data as { streamId?: bigint };
  return typeof d.streamId === "bigint" ? d.streamId : undefined;
}

/** Once everything deposited has gone out, a stream still "active" has run dry. */
function closeIfEmpty(s: StreamView, chain: ChainRef): StreamView {
  const out = s.paidToRecipient + s.refunded + s.keeperFees;
  return s.status === "active" && s.deposit > 0n && out >= s.deposit ? { ...s, status: "depleted", closed: chain } : s;
}

/**
 * The next view of one stream after `e` (pure). Events about other streams leave it unchanged.
 * @example
 * let view = emptyStream(7n);
 * for (const e of store.readByKey("stream:7")) view = evolveStream(view, e);
 */
export function evolveStream(s: StreamView, e: StoredEvent): StreamView {
  const base = { ...s, lastTime: e.time };
  switch (e.type) {
    case "StreamOpened": {
      const d = e.data;
      return {
        ...base, status: s.status === "none" ? "active" : s.status, sender: d.sender, recipient: d.recipient,
        providerId: d.providerId, serviceType: d.serviceType, deposit: d.deposit, startTime: d.startTime, duration: d.duration,
        ratePerSecond: d.duration > 0n ? d.deposit / d.duration : 0n, opened: d.chain,
      };
    }
    case "JobAccepted": return { ...base, jobs: s.jobs + 1 };
    case "JobCompleted":
      return { ...base, jobsCompleted: s.jobsCompleted + 1, meteredMs: s.meteredMs + e.data.meteredMs, metered: s.metered + e.data.cost };
    case "JobFailed":
      return { ...base, jobsFailed: s.jobsFailed + 1, meteredMs: s.meteredMs + e.data.meteredMs, metered: s.metered + e.data.cost };
    case "JobRejected": return { ...base, rejections: s.rejections + 1 };
    case "SettlementSubmitted": return { ...base, settlementSubmitted: e.data.amount };
    case "StreamWithdrawn":
      return closeIfEmpty({ ...base, withdrawn: s.withdrawn + e.data.amount, paidToRecipient: s.paidToRecipient + e.data.amount }, e.data.chain);
    case "StreamSettled":
      return {
        ...base, status: "settled", settled: e.data.earned, paidToRecipient: s.paidToRecipient + e.data.paidNow,
        refunded: s.refunded + e.data.refund, closed: e.data.chain,
      };
    case "StreamCancelled":
      return {
        ...base, status: "cancelled", paidToRecipient: s.paidToRecipient + e.data.recipientAmount,
        refunded: s.refunded + e.data.senderRefund, closed: e.data.chain,
      };
    case "StreamBatchUpdated":
      return closeIfEmpty({
        ...base, paidToRecipient: s.paidToRecipient + e.data.recipientAmount, refunded: s.refunded + e.data.senderRefund,
        keeperFees: s.keeperFees + e.data.keeperFee,
      }, e.data.chain);
    case "CompletionRecorded": return { ...base, registryRecorded: (s.registryRecorded ?? 0n) + e.data.earned };
    default: return s;
  }
}

/**
 * Applies `e` to the stream it concerns, in the map (which the caller owns). Returns the map.
 * @example
 * const streams = store.replay(evolveStreams, new Map());
 */
export function evolveStreams(streams: Map<bigint, StreamView>, e: StoredEvent): Map<bigint, StreamView> {
  const id = streamIdOf(e);
  if (id === undefined) return streams;
  const next = evolveStream(streams.get(id) ?? emptyStream(id), e);
  streams.set(id, next);
  return streams;
}
