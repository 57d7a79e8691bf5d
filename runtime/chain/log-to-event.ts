/**
 * Maps a decoded StreamPay / ComputeRegistry log to the log's event (pure; no I/O). Returns null for
 * logs this provider does not keep.
 */
import type { Log } from "viem";
import {
  completionRecorded, paymentClaimed, paymentDeferred, providerRegistered, providerUpdated, streamBatchUpdated, streamCancelled,
  streamDepleted, streamOpened, streamSettled, streamWithdrawn, type ChainRef, type NewEvent,
} from "../core/events.ts";

export type DecodedLog = Log<bigint, number, false> & { eventName: string; args: Record<string, unknown> };

const big = (v: unknown): bigint => BigInt(v as bigint);
const str = (v: unknown): string => String(v);

export function logToEvent(log: DecodedLog, time?: number): NewEvent | null {
  const chain: ChainRef = { blockNumber: log.blockNumber, txHash: log.transactionHash, logIndex: log.logIndex };
  const a = log.args;
  const o = time === undefined ? undefined : { time };
  switch (log.eventName) {
    case "StreamCreated":
      return streamOpened({
        streamId: big(a.streamId), sender: str(a.sender), recipient: str(a.recipient), providerId: big(a.providerId),
        deposit: big(a.deposit), startTime: big(a.startTime), duration: big(a.duration), serviceType: Number(a.serviceType), chain,
      }, o);
    case "StreamWithdrawn":
      return streamWithdrawn({ streamId: big(a.streamId), amount: big(a.amount), chain }, o);
    case "StreamCancelled":
      return streamCancelled({ streamId: big(a.streamId), by: str(a.by), recipientAmount: big(a.recipientAmount), senderRefund: big(a.senderRefund), chain }, o);
    case "StreamSettled":
      return streamSettled({ streamId: big(a.streamId), earned: big(a.earned), paidNow: big(a.paidNow), refund: big(a.refund), chain }, o);
    case "StreamBatchUpdated":
      return streamBatchUpdated({
        streamId: big(a.streamId), keeper: str(a.keeper), recipientAmount: big(a.recipientAmount),
        senderRefund: big(a.senderRefund), keeperFee: big(a.keeperFee), chain,
      }, o);
    case "ProviderRegistered":
      return providerRegistered({
        providerId: big(a.providerId), wallet: str(a.wallet), model: str(a.model), pricePerSecond: big(a.pricePerSecond),
        endpoint: str(a.endpoint), serviceType: Number(a.serviceType), chain,
      }, o);
    case "ProviderUpdated":
      return providerUpdated({
        providerId: big(a.providerId), wallet: str(a.wallet), pricePerSecond: big(a.pricePerSecond), endpoint: str(a.endpoint), active: Boolean(a.active), chain,
      }, o);
    case "CompletionRecorded":
      return completionRecorded({
        providerId: big(a.providerId), streamId: big(a.streamId), earned: big(a.earned), completedJobs: big(a.completedJobs), totalEarned: big(a.totalEarned), chain,
      }, o);
    case "PaymentDeferred":
      return paymentDeferred({ streamId: big(a.streamId), to: str(a.to), amount: big(a.amount), chain }, o);
    case "Claimed":
      return paymentClaimed({ account: str(a.account), to: str(a.to), amount: big(a.amount), chain }, o);
    case "StreamDepleted":
      return streamDepleted({ streamId: big(a.streamId), chain }, o);
    default:
      return null;
  }
}
