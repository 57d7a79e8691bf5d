/** StreamPay.streamedAmountOf: the recipient's share so far (once closed: what it received; an unknown id: 0). */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";

/**
 * @example
 * const streamed = await getStreamedAmount(client, { streamPay, streamId: 7n });
 */
export async function getStreamedAmount(client: ReadClient, p: { streamPay: Address; streamId: bigint }): Promise<bigint> {
  try {
    return await client.readContract({ address: p.streamPay, abi: streamPayAbi, functionName: "streamedAmountOf", args: [p.streamId] });
  } catch (err) {
    throw chainError(err, `StreamPay ${p.streamPay}.streamedAmountOf(${p.streamId})`);
  }
}
