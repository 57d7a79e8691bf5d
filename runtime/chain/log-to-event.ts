/**
 * Decodes StreamPay / ComputeRegistry logs against the generated ABIs and maps each to the log's
 * event (pure; no I/O). Returns null for logs this provider does not keep. Typed end to end: each
 * case's args are the ABI's, so a renamed or retyped event field fails `tsc`, not a running watcher.
 */
import { parseEventLogs, type Log } from "viem";
import { computeRegistryAbi, streamPayAbi } from "../../contracts/generated/abi.ts";
import {
  completionRecorded, paymentClaimed, streamRated, paymentDeferred, providerRegistered, providerUpdated, streamBatchUpdated, streamCancelled,
  streamDepleted, streamOpened, streamSettled, streamWithdrawn, type ChainRef, type NewEvent,
} from "../core/events.ts";

/** Both contracts' ABIs: the events the watcher reads. */
export const watchedAbi = [...streamPayAbi, ...computeRegistryAbi] as const;

/**
 * Decodes raw logs; logs of other events (or other contracts' shapes) are dropped.
 * @example
 * const decoded = decodeLogs(await client.getLogs({ address: [streamPay, registry], fromBlock, toBlock }));
 */
export function decodeLogs(logs: Log[]) {
  return parseEventLogs({ abi: watchedAbi, logs, strict: true });
}

/** A log decoded against `watchedAbi` (strict: every field present and typed). */
export type WatchedLog = ReturnType<typeof decodeLogs>[number];

/**
 * @example
 * const event = logToEvent(decoded[0]!); // e.g. { type: "StreamOpened", data: { streamId: 7n, ... } }
 */
export function logToEvent(log: WatchedLog, time?: number): NewEvent | null {
  const chain: ChainRef = { blockNumber: log.blockNumber, txHash: log.transactionHash, logIndex: log.logIndex };
  const o = time === undefined ? undefined : { time };
  switch (log.eventName) {
    case "StreamCreated": {
      const a = log.args;
      return streamOpened({
        streamId: a.streamId, sender: a.sender, recipient: a.recipient, providerId: a.providerId,
        deposit: a.deposit, startTime: a.startTime, duration: a.duration, serviceType: a.serviceType, chain,
      }, o);
    }
    case "StreamWithdrawn":
      return streamWithdrawn({ streamId: log.args.streamId, amount: log.args.amount, chain }, o);
    case "StreamCancelled": {
      const a = log.args;
      return streamCancelled({ streamId: a.streamId, by: a.by, recipientAmount: a.recipientAmount, senderRefund: a.senderRefund, chain }, o);
    }
    case "StreamSettled": {
      const a = log.args;
      return streamSettled({ streamId: a.streamId, earned: a.earned, paidNow: a.paidNow, refund: a.refund, chain }, o);
    }
    case "StreamBatchUpdated": {
      const a = log.args;
      return streamBatchUpdated({ streamId: a.streamId, keeper: a.keeper, recipientAmount: a.recipientAmount, senderRefund: a.senderRefund, keeperFee: a.keeperFee, chain }, o);
    }
    case "ProviderRegistered": {
      const a = log.args;
      return providerRegistered({
        providerId: a.providerId, wallet: a.wallet, model: a.model, pricePerSecond: a.pricePerSecond, endpoint: a.endpoint, serviceType: a.serviceType, chain,
      }, o);
    }
    case "ProviderUpdated": {
      const a = log.args;
      return providerUpdated({ providerId: a.providerId, wallet: a.wallet, pricePerSecond: a.pricePerSecond, endpoint: a.endpoint, active: a.active, chain }, o);
    }
    case "CompletionRecorded": {
      const a = log.args;
      return completionRecorded({ providerId: a.providerId, streamId: a.streamId, earned: a.earned, completedJobs: a.completedJobs, totalEarned: a.totalEarned, chain }, o);
    }
    case "StreamRated": {
      const a = log.args;
      return streamRated({
        providerId: a.providerId, streamId: a.streamId, rater: a.rater, paid: a.paid, score: a.score, ttftMs: a.ttftMs, tokensPerSecond: a.tokensPerSecond,
        failures: a.failures, receiptDigest: a.receiptDigest, chain,
      }, o);
    }
    case "PaymentDeferred":
      return paymentDeferred({ streamId: log.args.streamId, to: log.args.to, amount: log.args.amount, chain }, o);
    case "Claimed":
      return paymentClaimed({ account: log.args.account, to: log.args.to, amount: log.args.amount, chain }, o);
    case "StreamDepleted":
      return streamDepleted({ streamId: log.args.streamId, chain }, o);
    default:
      return null;
  }
}
