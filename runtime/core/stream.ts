/**
 * A payment stream as StreamPay reports it, and the pure checks the payment guard applies to it.
 * Its status uses the contract's own names (IStreamPay.Status, generated into contracts/generated/abi.ts):
 * the one vocabulary for stream status in chain reads, the event log's views, the audit and the SDK.
 */
import type { Address } from "viem";
import { streamStatuses } from "../../contracts/generated/abi.ts";
import { ClawError } from "./errors.ts";

/** IStreamPay.Status by name: "none" | "active" | "settled" | "cancelled" | "depleted". */
export type StreamStatus = (typeof streamStatuses)[number];

/**
 * The name of the uint8 status `getStream` returns. A value the contract does not define (a newer
 * contract than this runtime) is an error, never silently "none".
 * @example
 * streamStatusOf(1); // "active"
 */
export function streamStatusOf(value: number | bigint): StreamStatus {
  const name = streamStatuses[Number(value)];
  if (name === undefined) throw new RangeError(`Unknown IStreamPay.Status value ${value} (known: ${streamStatuses.join(", ")}).`);
  return name;
}

export type OnChainStream = {
  streamId: bigint;
  sender: Address;
  recipient: Address;
  deposit: bigint;
  withdrawn: bigint;
  startTime: bigint;
  duration: bigint;
  providerId: bigint;
  serviceType: number;
  status: StreamStatus;
};

/** What a stream must satisfy to pay for an offering. */
export type OfferingTerms = { wallet: Address; providerId: bigint; pricePerSecond: bigint };

/**
 * Throws the precise 402 the guard answers when `stream` cannot pay for `offering` at `nowSeconds`.
 * The rate test is exact: deposit / duration >= price  <=>  deposit >= price * duration.
 *
 * @example
 * assertStreamPays(stream, { wallet, providerId: 3n, pricePerSecond: 100n }, 1_700_000_000n);
 */
export function assertStreamPays(stream: OnChainStream | null, offering: OfferingTerms, nowSeconds: bigint): OnChainStream {
  if (!stream || stream.status === "none") {
    throw new ClawError("STREAM_NOT_FOUND", { message: "The payment stream does not exist on chain." });
  }
  const id = stream.streamId;
  if (stream.recipient.toLowerCase() !== offering.wallet.toLowerCase()) {
    throw new ClawError("STREAM_WRONG_RECIPIENT", { message: `Stream ${id} pays ${stream.recipient}, not this provider (${offering.wallet}).` });
  }
  if (stream.providerId !== offering.providerId) {
    throw new ClawError("STREAM_WRONG_OFFERING", {
      message: `Stream ${id} is for provider id ${stream.providerId}; this offering is provider id ${offering.providerId}.`,
    });
  }
  if (stream.deposit < offering.pricePerSecond * stream.duration) {
    throw new ClawError("STREAM_RATE_TOO_LOW", {
      message: `Stream ${id} streams ${stream.deposit / stream.duration} wei/s; this offering costs ${offering.pricePerSecond} wei/s.`,
    });
  }
  if (stream.status !== "active") {
    throw new ClawError("STREAM_ENDED", { message: `Stream ${id} is ${stream.status}.` });
  }
  if (nowSeconds >= stream.startTime + stream.duration) {
    throw new ClawError("STREAM_ENDED", { message: `Stream ${id} ended at ${stream.startTime + stream.duration} (unix seconds).` });
  }
  return stream;
}
