/** StreamPay.cancelStream by either party: the recipient keeps what has streamed, the sender gets the rest. */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

/**
 * @example
 * const { receipt } = await cancelStream(clients, { streamPay, streamId: 7n });
 */
export async function cancelStream(clients: ChainClients, p: { streamPay: Address; streamId: bigint }, o: WriteOptions = {}): Promise<Written> {
  return submitWrite(clients, `StreamPay.cancelStream(${p.streamId})`, async () => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [p.streamId], account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request);
  }, o);
}
