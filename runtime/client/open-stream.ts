/**
 * Opens a payment stream to a provider: StreamPay.createStream(recipient, duration, serviceType,
 * providerId) with the deposit as value, then reads the new stream id and start time from the
 * receipt's StreamCreated log (never from a "next id" guess, which races other senders).
 */
import { parseEventLogs, type Address, type Hash } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import { ClawError } from "../core/errors.ts";
import { sendTx } from "../chain/send-tx.ts";
import { requireWallet, type ClientChain } from "./chain.ts";
import type { OnProgress } from "./types.ts";

export type OpenedStream = {
  streamId: bigint;
  sender: Address;
  recipient: Address;
  providerId: bigint;
  deposit: bigint;
  durationSeconds: bigint;
  startTime: bigint;
  serviceType: number;
  openTx: Hash;
  openBlock: bigint;
  /** gasUsed × effectiveGasPrice of the open transaction. */
  gasPaid: bigint;
};

export type OpenStreamInput = { recipient: Address; providerId: bigint; serviceType: number; deposit: bigint; durationSeconds: bigint };

/**
 * @example
 * const s = await createStream(chain, { recipient, providerId: 1n, serviceType: 0, deposit: 710n, durationSeconds: 71n });
 */
export async function createStream(chain: ClientChain, i: OpenStreamInput, onProgress?: OnProgress): Promise<OpenedStream> {
  const wallet = requireWallet(chain, "Opening a stream");
  onProgress?.({ phase: "open", message: `opening a stream of ${i.deposit} wei over ${i.durationSeconds} s to provider #${i.providerId}` });
  const { hash, receipt } = await sendTx(
    wallet,
    { address: chain.contracts.streamPay, abi: streamPayAbi, functionName: "createStream", args: [i.recipient, i.durationSeconds, i.serviceType, i.providerId], value: i.deposit },
    { confirmations: chain.confirmations, onSent: (h) => onProgress?.({ phase: "confirm", message: `waiting for stream transaction ${h}`, txHash: h }) },
  );
  const created = parseEventLogs({ abi: streamPayAbi, logs: receipt.logs, eventName: "StreamCreated" }).find(
    (l) => l.address.toLowerCase() === chain.contracts.streamPay.toLowerCase(),
  );
  if (!created) throw new ClawError("CHAIN_ERROR", { message: `Transaction ${hash} mined without a StreamCreated event.` });
  const a = created.args;
  return {
    streamId: a.streamId, sender: a.sender, recipient: a.recipient, providerId: a.providerId, deposit: a.deposit,
    durationSeconds: a.duration, startTime: a.startTime, serviceType: Number(a.serviceType),
    openTx: hash, openBlock: receipt.blockNumber, gasPaid: receipt.gasUsed * receipt.effectiveGasPrice,
  };
}
