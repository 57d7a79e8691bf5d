/**
 * The field list of every event type: which fields exist, in which order they are encoded, and
 * their kind. The codec is driven by this table, so encoding is canonical (fixed key order) and
 * bigint fields are known without guessing. The compiler checks the table against ./events.ts.
 */
import type { ChainRef, EventDataMap, EventType } from "./events.ts";

type BaseKind<V> = [V] extends [bigint] ? "bigint"
  : [V] extends [string] ? "string"
  : [V] extends [number] ? "int"
  : [V] extends [boolean] ? "bool"
  : [V] extends [ChainRef] ? "chain"
  : "json";
type KindOf<V> = undefined extends V ? `${BaseKind<Exclude<V, undefined>>}?` : BaseKind<V>;

/** A field kind; a trailing `?` marks an optional field (omitted from JSON when undefined). */
export type FieldKind = "bigint" | "string" | "int" | "bool" | "chain" | "json" | `${"bigint" | "string" | "int" | "bool" | "json"}?`;
export type FieldSpec<T> = { readonly [F in keyof T]-?: KindOf<T[F]> };

const amount = "bigint" as const;

export const eventSchema: { readonly [K in EventType]: FieldSpec<EventDataMap[K]> } = {
  StreamOpened: {
    streamId: "bigint", sender: "string", recipient: "string", providerId: "bigint", deposit: amount,
    startTime: "bigint", duration: "bigint", serviceType: "int", chain: "chain",
  },
  StreamWithdrawn: { streamId: "bigint", amount, chain: "chain" },
  StreamCancelled: { streamId: "bigint", by: "string", recipientAmount: amount, senderRefund: amount, chain: "chain" },
  StreamSettled: { streamId: "bigint", earned: amount, paidNow: amount, refund: amount, chain: "chain" },
  StreamBatchUpdated: {
    streamId: "bigint", keeper: "string", recipientAmount: amount, senderRefund: amount, keeperFee: amount, chain: "chain",
  },
  ProviderRegistered: {
    providerId: "bigint", wallet: "string", model: "string", pricePerSecond: amount, endpoint: "string",
    serviceType: "int", chain: "chain",
  },
  ProviderUpdated: {
    providerId: "bigint", wallet: "string", pricePerSecond: amount, endpoint: "string", active: "bool", chain: "chain",
  },
  CompletionRecorded: { providerId: "bigint", streamId: "bigint?", earned: amount, completedJobs: "bigint", totalEarned: amount, chain: "chain" },
  StreamRated: {
    providerId: "bigint", streamId: "bigint", rater: "string", paid: amount, score: "int", ttftMs: "int", tokensPerSecond: "int", failures: "int",
    receiptDigest: "string", chain: "chain",
  },
  PaymentDeferred: { streamId: "bigint", to: "string", amount, chain: "chain" },
  PaymentClaimed: { account: "string", to: "string", amount, chain: "chain" },
  StreamDepleted: { streamId: "bigint", chain: "chain" },
  JobAccepted: {
    jobId: "string", streamId: "bigint", offering: "string", providerId: "bigint", nonce: "bigint",
    bodyHash: "string", signer: "string", pricePerSecond: amount, task: "string",
  },
  JobStarted: { jobId: "string", streamId: "bigint", queuedMs: "int" },
  JobProgress: { jobId: "string", streamId: "bigint", deliveredMs: "bigint", chunks: "int", reservedWei: amount },
  JobCompleted: { jobId: "string", streamId: "bigint", meteredMs: "bigint", cost: amount, tokens: "json", timings: "json?" },
  JobFailed: { jobId: "string", streamId: "bigint", code: "string", message: "string", meteredMs: "bigint", cost: amount },
  JobRejected: { code: "string", status: "int", streamId: "bigint?", nonce: "bigint?", reason: "string" },
  SettleRequested: { streamId: "bigint", nonce: "bigint", signer: "string" },
  SettlementSubmitted: { streamId: "bigint", amount, txHash: "string" },
  SettlementFailed: { streamId: "bigint", amount, code: "string", message: "string" },
  EarningsWithdrawn: { streamId: "bigint?", amount, txHash: "string" },
  ProviderFaulted: { providerId: "bigint", kind: "string", detail: "string", streamId: "bigint?" },
  ReceiptKept: {
    providerId: "bigint", streamId: "bigint", nonce: "bigint", requestHash: "string", jobId: "string", model: "string",
    meteredMs: "bigint", cost: amount, cumulativeCost: amount, ttftMs: "bigint", outputHash: "string", signature: "string",
    signer: "string", measuredTtftMs: "int?",
  },
  StreamOpening: {
    txHash: "string", sender: "string", recipient: "string", providerId: "bigint", deposit: amount, duration: "bigint", serviceType: "int", nonce: "bigint",
  },
  StreamOpenFailed: { txHash: "string", reason: "string", detail: "string" },
};

/** Every event type this version knows, in declaration order. */
export const eventTypes = Object.keys(eventSchema) as EventType[];

/** True when `type` is an event type this version of the code knows. */
export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventSchema, type);
}
