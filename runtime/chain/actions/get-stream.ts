/**
 * StreamPay.getStream as an OnChainStream. An id never created comes back with status "none"
 * (the contract does not revert for it); a node that cannot be reached is CHAIN_UNAVAILABLE.
 */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import { streamStatusOf, type OnChainStream } from "../../core/stream.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";

export type GetStreamParameters = { streamPay: Address; streamId: bigint; blockNumber?: bigint };

/**
 * @example
 * const s = await getStream(client, { streamPay, streamId: 7n }); // { status: "active", deposit: 1000n, ... }
 */
export async function getStream(client: ReadClient, p: GetStreamParameters): Promise<OnChainStream> {
  try {
    const s = await client.readContract({
      address: p.streamPay, abi: streamPayAbi, functionName: "getStream", args: [p.streamId], ...(p.blockNumber === undefined ? {} : { blockNumber: p.blockNumber }),
    });
    return {
      streamId: p.streamId, sender: s.sender, recipient: s.recipient, deposit: s.deposit, withdrawn: s.withdrawn, startTime: s.startTime,
      duration: s.duration, providerId: s.providerId, serviceType: s.serviceType, status: streamStatusOf(s.status),
    };
  } catch (err) {
    throw chainError(err, `StreamPay ${p.streamPay}.getStream(${p.streamId})`);
  }
}
