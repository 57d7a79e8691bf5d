/**
 * One valid event of every type, with deterministic values: for codec, store and projection tests.
 * @example
 * store.append(sampleEvents(7n));
 */
import * as ev from "../events.ts";
import type { ChainRef, NewEvent } from "../events.ts";

const addr = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;
const tx = (n: number): string => `0x${n.toString(16).padStart(64, "0")}`;

/** A chain reference whose (txHash, logIndex) is unique per `n`. */
export const chainRef = (n: number): ChainRef => ({ blockNumber: BigInt(100 + n), txHash: tx(n), logIndex: n % 7 });

export const SENDER = addr(0xa11ce);
export const PROVIDER_WALLET = addr(0xb0b);
export const KEEPER = addr(0xcee9);

/** A stream's life: opened, two jobs, a rejection, a settlement, withdrawal. `n` spreads the ids. */
export function sampleEvents(streamId = 7n, n = 1): NewEvent[] {
  const base = Number(streamId) * 1000 + n * 100;
  return [
    ev.providerRegistered({ providerId: 1n, wallet: PROVIDER_WALLET, model: "echo-1", pricePerSecond: 1000n,
      endpoint: "http://127.0.0.1:8080", serviceType: 0, chain: chainRef(base + 1) }),
    ev.providerUpdated({ providerId: 1n, wallet: PROVIDER_WALLET, pricePerSecond: 1000n, endpoint: "http://x", active: true,
      chain: chainRef(base + 2) }),
    ev.streamOpened({ streamId, sender: SENDER, recipient: PROVIDER_WALLET, providerId: 1n, deposit: 10n ** 18n,
      startTime: 1_700_000_000n, duration: 3600n, serviceType: 0, chain: chainRef(base + 3) }),
    ev.jobAccepted({ jobId: `j${base}a`, streamId, offering: "echo-1", providerId: 1n, nonce: BigInt(base + 1),
      bodyHash: tx(1), signer: SENDER, pricePerSecond: 1000n, task: "chat" }),
    ev.jobStarted({ jobId: `j${base}a`, streamId, queuedMs: 3 }),
    ev.jobCompleted({ jobId: `j${base}a`, streamId, meteredMs: 1500n, cost: 1500n, tokens: { prompt: 5, completion: 7 },
      timings: { firstTokenMs: 12 } }),
    ev.jobAccepted({ jobId: `j${base}b`, streamId, offering: "echo-1", providerId: 1n, nonce: BigInt(base + 2),
      bodyHash: tx(2), signer: SENDER, pricePerSecond: 1000n, task: "inference" }),
    ev.jobFailed({ jobId: `j${base}b`, streamId, code: "BACKEND_UPSTREAM", message: "500", meteredMs: 250n, cost: 250n }),
    ev.jobRejected({ code: "NONCE_REPLAYED", status: 409, streamId, nonce: BigInt(base + 1), reason: "nonce used" }),
    ev.jobRejected({ code: "SIGNATURE_MISSING", status: 401, reason: "no header" }),
    ev.settlementSubmitted({ streamId, amount: 1750n, txHash: tx(base + 50) }),
    ev.settlementFailed({ streamId, amount: 1750n, code: "CHAIN_TX_FAILED", message: "nonce too low" }),
    ev.streamSettled({ streamId, earned: 1750n, paidNow: 1750n, refund: 10n ** 18n - 1750n, chain: chainRef(base + 4) }),
    ev.completionRecorded({ providerId: 1n, streamId, earned: 1750n, completedJobs: 1n, totalEarned: 1750n, chain: chainRef(base + 5) }),
    ev.earningsWithdrawn({ amount: 1750n, txHash: tx(base + 51) }),
  ];
}

/** Runtime events outside a plain stream's story, for codec coverage. */
export function otherRuntimeEvents(streamId = 8n): NewEvent[] {
  return [
    ev.settleRequested({ streamId, nonce: 77n, signer: SENDER }),
    // The buying side's record of a provider's fault (the gateway's log).
    ev.providerFaulted({ providerId: 3n, kind: "cost-negative", detail: "reported -5 wei", streamId }),
    // ... and a provider-signed job receipt it verified and kept.
    ev.receiptKept({
      providerId: 3n, streamId, nonce: 78n, requestHash: `0x${"ab".repeat(32)}`, jobId: "j-receipt", model: "echo-1", meteredMs: 250n, cost: 250n,
      cumulativeCost: 900n, ttftMs: 4n, outputHash: `0x${"cd".repeat(32)}`, signature: `0x${"ef".repeat(65)}`, signer: PROVIDER_WALLET, measuredTtftMs: 7,
    }),
    // An opening logged before its broadcast, and one that never made a stream.
    ev.streamOpening({ txHash: tx(9101), sender: SENDER, recipient: PROVIDER_WALLET, providerId: 3n, deposit: 600n, duration: 60n, serviceType: 0, nonce: 4n }),
    ev.streamOpenFailed({ txHash: tx(9102), reason: "dropped", detail: "the account's nonce moved past 5" }),
  ];
}

/** The chain-only events that do not fit a settled stream's story, for codec coverage. */
export function otherChainEvents(streamId = 8n): NewEvent[] {
  return [
    ev.streamWithdrawn({ streamId, amount: 5n, chain: chainRef(9001) }),
    ev.streamBatchUpdated({ streamId, keeper: KEEPER, recipientAmount: 90n, senderRefund: 10n, keeperFee: 1n, chain: chainRef(9002) }),
    ev.streamCancelled({ streamId, by: SENDER, recipientAmount: 9n, senderRefund: 1n, chain: chainRef(9003) }),
    ev.earningsWithdrawn({ streamId, amount: 9n, txHash: tx(9004) }),
    // Coin owed that a push could not deliver, its claim, a depletion: no change to the stream's books.
    ev.paymentDeferred({ streamId, to: PROVIDER_WALLET, amount: 3n, chain: chainRef(9005) }),
    ev.paymentClaimed({ account: PROVIDER_WALLET, to: PROVIDER_WALLET, amount: 3n, chain: chainRef(9006) }),
    ev.streamDepleted({ streamId, chain: chainRef(9007) }),
    // A consumer's rating of the provider (issue 22): no change to the stream's books.
    ev.streamRated({ providerId: 1n, streamId, rater: SENDER, paid: 9n, score: 90, ttftMs: 120, tokensPerSecond: 40, failures: 0, receiptDigest: `0x${"ab".repeat(32)}`, chain: chainRef(9008) }),
    // Not a chain event: a running job's progress, which moves no money in the stream's view.
    ev.jobProgress({ jobId: "j-progress", streamId, deliveredMs: 1000n, chunks: 4, reservedWei: 120_000n }),
  ];
}
