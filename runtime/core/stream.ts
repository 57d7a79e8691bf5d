/**
 * A payment stream as StreamPay reports it, and the pure checks the payment guard applies to it.
 * Status numbers match the contract: 0 None, 1 Active, 2 Settled, 3 Cancelled, 4 Depleted.
 */
import type { Address } from "viem";
import { ClawError } from "./errors.ts";

export const streamStatus = { none: 0, active: 1, settled: 2, cancelled: 3, depleted: 4 } as const;

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
  status: number;
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
  if (!stream || stream.status === streamStatus.none) {
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
  if (stream.status !== streamStatus.active) {
    const name = Object.entries(streamStatus).find(([, v]) => v === stream.status)?.[0] ?? `status ${stream.status}`;
    throw new ClawError("STREAM_ENDED", { message: `Stream ${id} is ${name}.` });
  }
  if (nowSeconds >= stream.startTime + stream.duration) {
    throw new ClawError("STREAM_ENDED", { message: `Stream ${id} ended at ${stream.startTime + stream.duration} (unix seconds).` });
  }
  return stream;
}
