/**
 * The facts the provider keeps, in past tense. Each event is small and versioned (`v: 1`); stored
 * events are never edited. Amounts are bigint (wei) here and decimal strings in JSON
 * (see ./event-codec.ts). Chain-sourced events carry where they came from (`chain`), which is also
 * what makes them idempotent: the same (txHash, logIndex) is stored once.
 *
 * Keys group events by the thing they are about: `stream:<id>`, `job:<jobId>`, `provider:<id>`,
 * `runtime`. Dedupe ids make repeats from a source (a re-read chain log, a replayed nonce) a no-op.
 */

/** Where a chain-sourced event was read: block, transaction and log index. */
export interface ChainRef {
  blockNumber: bigint;
  txHash: string;
  logIndex: number;
}

// --- chain-sourced (StreamPay and ComputeRegistry logs) ---
export interface StreamOpened {
  streamId: bigint; sender: string; recipient: string; providerId: bigint; deposit: bigint;
  startTime: bigint; duration: bigint; serviceType: number; chain: ChainRef;
}
export interface StreamWithdrawn { streamId: bigint; amount: bigint; chain: ChainRef }
export interface StreamCancelled {
  streamId: bigint; by: string; recipientAmount: bigint; senderRefund: bigint; chain: ChainRef;
}
export interface StreamSettled { streamId: bigint; earned: bigint; paidNow: bigint; refund: bigint; chain: ChainRef }
export interface StreamBatchUpdated {
  streamId: bigint; keeper: string; recipientAmount: bigint; senderRefund: bigint; keeperFee: bigint; chain: ChainRef;
}
export interface ProviderRegistered {
  providerId: bigint; wallet: string; model: string; pricePerSecond: bigint; endpoint: string;
  serviceType: number; chain: ChainRef;
}
export interface ProviderUpdated {
  providerId: bigint; wallet: string; pricePerSecond: bigint; endpoint: string; active: boolean; chain: ChainRef;
}
/** A push from stream `streamId` to `to` failed; StreamPay credited it to `to` (claimable). streamId 0: keeper fees. */
export interface PaymentDeferred { streamId: bigint; to: string; amount: bigint; chain: ChainRef }
/** `account`'s credits were paid out to `to` (claim, claimTo, or claimFor by anyone). */
export interface PaymentClaimed { account: string; to: string; amount: bigint; chain: ChainRef }
/** A withdrawal after the end took the last wei: the stream closed as Depleted. */
export interface StreamDepleted { streamId: bigint; chain: ChainRef }
/**
 * ComputeRegistry.StreamRated: the sender of one of this provider's closed streams rated it (issue 22),
 * weighted on chain by `paid` (wei the stream paid the provider); figures as the rater measured them.
 */
export interface StreamRated {
  providerId: bigint; streamId: bigint; rater: string; paid: bigint; score: number; ttftMs: number; tokensPerSecond: number; failures: number;
  receiptDigest: string; chain: ChainRef;
}
/** `streamId` is optional for logs written before it was kept; the registry's event always has it. */
export interface CompletionRecorded {
  providerId: bigint; streamId?: bigint; earned: bigint; completedJobs: bigint; totalEarned: bigint; chain: ChainRef;
}

// --- job- and runtime-sourced ---
/** Token counts a backend reported, when it did. */
export interface TokenCounts { prompt?: number; completion?: number }
export interface JobAccepted {
  jobId: string; streamId: bigint; offering: string; providerId: bigint; nonce: bigint; bodyHash: string;
  signer: string; pricePerSecond: bigint; task: string;
}
export interface JobStarted { jobId: string; streamId: bigint; queuedMs: number }
/**
 * A running job's delivered work so far, written every `settlement.progressMs` while output flows
 * (group-committed): after a crash the job is billed up to its last durable progress, never more
 * than `reservedWei`.
 */
export interface JobProgress { jobId: string; streamId: bigint; deliveredMs: bigint; chunks: number; reservedWei: bigint }
export interface JobCompleted {
  jobId: string; streamId: bigint; meteredMs: bigint; cost: bigint; tokens: TokenCounts;
  timings?: Record<string, number>;
}
export interface JobFailed { jobId: string; streamId: bigint; code: string; message: string; meteredMs: bigint; cost: bigint }
export interface JobRejected { code: string; status: number; streamId?: bigint; nonce?: bigint; reason: string }
/** The sender asked (signed settle act, POST /v1/streams/:id/settle) to settle now; its nonce is spent like a payment's. */
export interface SettleRequested { streamId: bigint; nonce: bigint; signer: string }
export interface SettlementSubmitted { streamId: bigint; amount: bigint; txHash: string }
export interface SettlementFailed { streamId: bigint; amount: bigint; code: string; message: string }
export interface EarningsWithdrawn { streamId?: bigint; amount: bigint; txHash: string }
/**
 * Buying side (the gateway's log): a provider did something wrong to the consumer (runtime/client/faults.ts
 * ProviderFault: a lying cost, an oversized or malformed answer, a failure before the first token, ...).
 * `detail` is bounded (500 characters) by whoever reports it.
 */
export interface ProviderFaulted { providerId: bigint; kind: string; detail: string; streamId?: bigint }
/**
 * Buying side (the gateway's log): a provider-signed job receipt (core/receipt.ts) that verified against
 * the request sent and the answer relayed, kept as evidence (`claw gateway audit` reconciles the receipts
 * of a stream with its settlement). `measuredTtftMs` is the gateway's own time to first token.
 */
export interface ReceiptKept {
  providerId: bigint; streamId: bigint; nonce: bigint; requestHash: string; jobId: string; model: string;
  meteredMs: bigint; cost: bigint; cumulativeCost: bigint; ttftMs: bigint; outputHash: string; signature: string;
  signer: string; measuredTtftMs?: number;
}

/**
 * Buying side (the gateway's log): a stream opening signed and about to be broadcast (logged before the
 * transaction can exist on chain, so a crash before StreamOpened never forgets its deposit). `nonce` is
 * the sender's account nonce the transaction uses: once the account's nonce is past it and the hash is
 * unknown, it can never be mined. A StreamOpened with the same txHash (or a StreamOpenFailed) resolves it.
 */
export interface StreamOpening {
  txHash: string; sender: string; recipient: string; providerId: bigint; deposit: bigint; duration: bigint; serviceType: number; nonce: bigint;
}
/** Buying side: a logged opening that never made a stream ("reverted" on chain, or "dropped": never mined and never can be). */
export interface StreamOpenFailed { txHash: string; reason: string; detail: string }

/** Every event type and the shape of its data. */
export interface EventDataMap {
  StreamOpened: StreamOpened;
  StreamWithdrawn: StreamWithdrawn;
  StreamCancelled: StreamCancelled;
  StreamSettled: StreamSettled;
  StreamBatchUpdated: StreamBatchUpdated;
  ProviderRegistered: ProviderRegistered;
  ProviderUpdated: ProviderUpdated;
  CompletionRecorded: CompletionRecorded;
  StreamRated: StreamRated;
  PaymentDeferred: PaymentDeferred;
  PaymentClaimed: PaymentClaimed;
  StreamDepleted: StreamDepleted;
  JobAccepted: JobAccepted;
  JobStarted: JobStarted;
  JobProgress: JobProgress;
  JobCompleted: JobCompleted;
  JobFailed: JobFailed;
  JobRejected: JobRejected;
  SettleRequested: SettleRequested;
  SettlementSubmitted: SettlementSubmitted;
  SettlementFailed: SettlementFailed;
  EarningsWithdrawn: EarningsWithdrawn;
  ProviderFaulted: ProviderFaulted;
  ReceiptKept: ReceiptKept;
  StreamOpening: StreamOpening;
  StreamOpenFailed: StreamOpenFailed;
}
export type EventType = keyof EventDataMap;

/** The version of each event's data this code writes and reads. */
export const EVENT_VERSION = 1;

/** An event ready to append. `time` (ms since epoch) defaults to the append time. */
export type NewEvent<T extends EventType = EventType> = {
  [K in T]: { type: K; v: typeof EVENT_VERSION; key: string; data: EventDataMap[K]; time?: number; dedupe?: string };
}[T];

/** An event as the log holds it: global 1-based position, time, and the hash chaining it to the previous one. */
export type StoredEvent<T extends EventType = EventType> = {
  [K in T]: {
    position: number; type: K; v: number; key: string; data: EventDataMap[K]; time: number;
    dedupe: string | null; hash: string;
  };
}[T];

// --- keys and dedupe ids (one place, so every writer agrees) ---
export const streamKey = (streamId: bigint): string => `stream:${streamId}`;
export const jobKey = (jobId: string): string => `job:${jobId}`;
export const providerKey = (providerId: bigint): string => `provider:${providerId}`;
export const walletKey = (address: string): string => `wallet:${address.toLowerCase()}`;
export const RUNTIME_KEY = "runtime";
/** The dedupe id of a chain log: its transaction and index are unique on a chain. */
export const chainDedupe = (c: ChainRef): string => `log:${c.txHash.toLowerCase()}:${c.logIndex}`;
/** The dedupe id of a job acceptance: a nonce is usable once per stream, so a replay is a duplicate. */
export const nonceDedupe = (streamId: bigint, nonce: bigint): string => `nonce:${streamId}:${nonce}`;

type Opts = { time?: number };
function make<K extends EventType>(type: K, key: string, data: EventDataMap[K], dedupe: string | undefined, o?: Opts): NewEvent<K> {
  const e = { type, v: EVENT_VERSION, key, data } as NewEvent<K> & { time?: number; dedupe?: string };
  if (dedupe !== undefined) e.dedupe = dedupe;
  if (o?.time !== undefined) e.time = o.time;
  return e;
}

/**
 * Constructors: one per event type, filling key and dedupe id.
 * @example
 * store.append(streamOpened({ streamId: 7n, sender, recipient, providerId: 1n, deposit: 10n ** 18n,
 *   startTime: 1700000000n, duration: 3600n, serviceType: 0, chain: { blockNumber: 12n, txHash, logIndex: 0 } }));
 */
export const streamOpened = (d: StreamOpened, o?: Opts) => make("StreamOpened", streamKey(d.streamId), d, chainDedupe(d.chain), o);
export const streamWithdrawn = (d: StreamWithdrawn, o?: Opts) => make("StreamWithdrawn", streamKey(d.streamId), d, chainDedupe(d.chain), o);
export const streamCancelled = (d: StreamCancelled, o?: Opts) => make("StreamCancelled", streamKey(d.streamId), d, chainDedupe(d.chain), o);
export const streamSettled = (d: StreamSettled, o?: Opts) => make("StreamSettled", streamKey(d.streamId), d, chainDedupe(d.chain), o);
export const streamBatchUpdated = (d: StreamBatchUpdated, o?: Opts) =>
  make("StreamBatchUpdated", streamKey(d.streamId), d, chainDedupe(d.chain), o);
export const providerRegistered = (d: ProviderRegistered, o?: Opts) =>
  make("ProviderRegistered", providerKey(d.providerId), d, chainDedupe(d.chain), o);
export const providerUpdated = (d: ProviderUpdated, o?: Opts) => make("ProviderUpdated", providerKey(d.providerId), d, chainDedupe(d.chain), o);
export const completionRecorded = (d: CompletionRecorded, o?: Opts) =>
  make("CompletionRecorded", providerKey(d.providerId), d, chainDedupe(d.chain), o);
export const streamRated = (d: StreamRated, o?: Opts) => make("StreamRated", providerKey(d.providerId), d, chainDedupe(d.chain), o);
export const paymentDeferred = (d: PaymentDeferred, o?: Opts) => make("PaymentDeferred", streamKey(d.streamId), d, chainDedupe(d.chain), o);
export const paymentClaimed = (d: PaymentClaimed, o?: Opts) => make("PaymentClaimed", walletKey(d.account), d, chainDedupe(d.chain), o);
export const streamDepleted = (d: StreamDepleted, o?: Opts) => make("StreamDepleted", streamKey(d.streamId), d, chainDedupe(d.chain), o);

/**
 * A paid request passed the guard. Appending it twice for the same (streamId, nonce) reports a
 * duplicate: that is how a replayed nonce is detected atomically.
 * @example
 * const { duplicates } = store.append(jobAccepted({ jobId, streamId: 7n, nonce: 42n, ... }));
 * if (duplicates > 0) throw new ClawError("NONCE_REPLAYED");
 */
export const jobAccepted = (d: JobAccepted, o?: Opts) => make("JobAccepted", jobKey(d.jobId), d, nonceDedupe(d.streamId, d.nonce), o);
export const jobStarted = (d: JobStarted, o?: Opts) => make("JobStarted", jobKey(d.jobId), d, `job:${d.jobId}:started`, o);
/** Progress is not deduplicated by content: each write is a later fact (its chunks count grows). */
export const jobProgress = (d: JobProgress, o?: Opts) => make("JobProgress", jobKey(d.jobId), d, `job:${d.jobId}:progress:${d.chunks}`, o);
/** A job ends once: completed and failed share one dedupe id, so a second ending is a duplicate. */
export const jobCompleted = (d: JobCompleted, o?: Opts) => make("JobCompleted", jobKey(d.jobId), d, `job:${d.jobId}:ended`, o);
export const jobFailed = (d: JobFailed, o?: Opts) => make("JobFailed", jobKey(d.jobId), d, `job:${d.jobId}:ended`, o);
/** Rejections are not deduplicated: each refused request is its own fact. */
export const jobRejected = (d: JobRejected, o?: Opts) =>
  make("JobRejected", d.streamId === undefined ? RUNTIME_KEY : streamKey(d.streamId), d, undefined, o);
/** Shares the nonce dedupe id with JobAccepted: one replay space per stream for payments and settle acts. */
export const settleRequested = (d: SettleRequested, o?: Opts) => make("SettleRequested", streamKey(d.streamId), d, nonceDedupe(d.streamId, d.nonce), o);
export const settlementSubmitted = (d: SettlementSubmitted, o?: Opts) =>
  make("SettlementSubmitted", streamKey(d.streamId), d, `tx:${d.txHash.toLowerCase()}`, o);
export const settlementFailed = (d: SettlementFailed, o?: Opts) => make("SettlementFailed", streamKey(d.streamId), d, undefined, o);
export const earningsWithdrawn = (d: EarningsWithdrawn, o?: Opts) =>
  make("EarningsWithdrawn", d.streamId === undefined ? RUNTIME_KEY : streamKey(d.streamId), d, `tx:${d.txHash.toLowerCase()}`, o);
/** Faults are not deduplicated: each is its own fact. */
export const providerFaulted = (d: ProviderFaulted, o?: Opts) => make("ProviderFaulted", providerKey(d.providerId), d, undefined, o);
/** One receipt per (stream, nonce): a nonce pays for one job, so a second receipt for it is a duplicate. */
export const receiptKept = (d: ReceiptKept, o?: Opts) => make("ReceiptKept", streamKey(d.streamId), d, `receipt:${d.streamId}:${d.nonce}`, o);
/** An opening's key is its sender's wallet; one intent per transaction hash, and one ending of it. */
export const streamOpening = (d: StreamOpening, o?: Opts) => make("StreamOpening", walletKey(d.sender), d, `opening:${d.txHash.toLowerCase()}`, o);
export const streamOpenFailed = (d: StreamOpenFailed, o?: Opts) => make("StreamOpenFailed", RUNTIME_KEY, d, `opening:${d.txHash.toLowerCase()}:failed`, o);
