/** StreamPay.withdrawFromStream by the recipient: takes what has streamed so far; the stream stays open. */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

/**
 * @example
 * await withdrawFromStream(clients, { streamPay, streamId: 7n });
 */
export async function withdrawFromStream(clients: ChainClients, p: { streamPay: Address; streamId: bigint }, o: WriteOptions = {}): Promise<Written> {
  return submitWrite(clients, `StreamPay.withdrawFromStream(${p.streamId})`, async () => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.streamPay, abi: streamPayAbi, functionName: "withdrawFromStream", args: [p.streamId], account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request);
  }, o);
}
