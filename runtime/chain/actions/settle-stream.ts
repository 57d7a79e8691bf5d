/**
 * StreamPay.settle(streamId, amount) by the recipient: it takes `amount` in total (at most what has
 * streamed), the sender gets the rest back, and the stream closes.
 */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

/**
 * @example
 * await settleStream(clients, { streamPay, streamId: 7n, amount: 1750n }, { confirmations: 1 });
 */
export async function settleStream(clients: ChainClients, p: { streamPay: Address; streamId: bigint; amount: bigint }, o: WriteOptions = {}): Promise<Written> {
  return submitWrite(clients, `StreamPay.settle(${p.streamId}, ${p.amount})`, async () => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.streamPay, abi: streamPayAbi, functionName: "settle", args: [p.streamId, p.amount], account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request);
  }, o);
}
