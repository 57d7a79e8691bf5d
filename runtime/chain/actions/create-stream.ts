/**
 * StreamPay.createStream(recipient, duration, serviceType, providerId) with the deposit as value.
 * The new stream is read from the receipt's StreamCreated log (never from a "next id" guess, which
 * races other senders).
 */
import { parseEventLogs, type Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import { ClawError } from "../../core/errors.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

export type CreateStreamParameters = {
  streamPay: Address; recipient: Address; durationSeconds: bigint; serviceType: number; providerId: bigint; deposit: bigint;
};

export type CreatedStream = {
  streamId: bigint; sender: Address; recipient: Address; providerId: bigint; deposit: bigint; durationSeconds: bigint; startTime: bigint; serviceType: number;
};

/**
 * @example
 * const { stream } = await createStream(clients, { streamPay, recipient, durationSeconds: 60n, serviceType: 0, providerId: 1n, deposit: 600n });
 */
export async function createStream(clients: ChainClients, p: CreateStreamParameters, o: WriteOptions = {}): Promise<Written & { stream: CreatedStream }> {
  const written = await submitWrite(clients, "StreamPay.createStream", async (hook) => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.streamPay, abi: streamPayAbi, functionName: "createStream", args: [p.recipient, p.durationSeconds, p.serviceType, p.providerId],
      value: p.deposit, account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request, hook);
  }, o);
  const created = parseEventLogs({ abi: streamPayAbi, logs: written.receipt.logs, eventName: "StreamCreated" })
    .find((l) => l.address.toLowerCase() === p.streamPay.toLowerCase());
  if (!created) throw new ClawError("CHAIN_ERROR", { message: `Transaction ${written.hash} mined without a StreamCreated event.` });
  const a = created.args;
  return {
    ...written,
    stream: {
      streamId: a.streamId, sender: a.sender, recipient: a.recipient, providerId: a.providerId, deposit: a.deposit,
      durationSeconds: a.duration, startTime: a.startTime, serviceType: a.serviceType,
    },
  };
}
