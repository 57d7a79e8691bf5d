/**
 * Reads one stream from StreamPay for the audit: getStream (and, while active, streamedAmountOf).
 * An id never created comes back with status "none" (the contract does not revert for it).
 */
import type { Address, PublicClient } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import type { ChainStream, ChainStreamStatus } from "../core/reconcile.ts";
import { chainReadError } from "./read-errors.ts";

/** IStreamPay.Status by its uint8 value. */
export const streamStatusNames: readonly ChainStreamStatus[] = ["none", "active", "settled", "cancelled", "depleted"];

/**
 * @example
 * const s = await readStream(publicClient, streamPay, 7n); // { status: "settled", withdrawn: 1750n, ... }
 */
export async function readStream(client: PublicClient, streamPay: Address, streamId: bigint): Promise<ChainStream> {
  try {
    const s = await client.readContract({ address: streamPay, abi: streamPayAbi, functionName: "getStream", args: [streamId] });
    const status = streamStatusNames[Number(s.status)] ?? "none";
    const out: ChainStream = {
      streamId, sender: s.sender, recipient: s.recipient, deposit: s.deposit, withdrawn: s.withdrawn, providerId: s.providerId, status,
    };
    if (status === "active") {
      out.streamedNow = await client.readContract({ address: streamPay, abi: streamPayAbi, functionName: "streamedAmountOf", args: [streamId] });
    }
    return out;
  } catch (err) {
    throw chainReadError(err, `StreamPay ${streamPay}.getStream(${streamId})`);
  }
}
