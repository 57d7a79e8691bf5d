/**
 * Opens a payment stream to a provider with the createStream action (the new stream id and start
 * time come from the receipt's StreamCreated log), reporting progress as it goes.
 */
import type { Address, Hash } from "viem";
import { createStream as sendCreate } from "../chain/actions/create-stream.ts";
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

/** An opening signed and not yet broadcast: its hash and nonce are known, the transaction is not on chain yet. */
export type OpeningIntent = OpenStreamInput & { sender: Address; txHash: Hash; nonce: number };

export type OpenStreamOptions = {
  /**
   * Called before the opening can exist on chain (a local account signs first; see chain/actions/send.ts
   * beforeBroadcast): when it throws, nothing is sent. A JSON-RPC account calls it right after the send.
   */
  onOpening?: (intent: OpeningIntent) => void | Promise<void>;
};

/**
 * @example
 * const s = await createStream(chain, { recipient, providerId: 1n, serviceType: 0, deposit: 710n, durationSeconds: 71n });
 */
export async function createStream(chain: ClientChain, i: OpenStreamInput, onProgress?: OnProgress, o: OpenStreamOptions = {}): Promise<OpenedStream> {
  const wallet = requireWallet(chain, "Opening a stream");
  onProgress?.({ phase: "open", message: `opening a stream of ${i.deposit} wei over ${i.durationSeconds} s to provider #${i.providerId}` });
  const { hash, receipt, stream } = await sendCreate(
    wallet,
    { streamPay: chain.contracts.streamPay, recipient: i.recipient, durationSeconds: i.durationSeconds, serviceType: i.serviceType, providerId: i.providerId, deposit: i.deposit },
    {
      confirmations: chain.confirmations, onSent: (h) => onProgress?.({ phase: "confirm", message: `waiting for stream transaction ${h}`, txHash: h }),
      ...(o.onOpening ? { beforeBroadcast: (tx: { hash: Hash; nonce: number }) => o.onOpening!({ ...i, sender: wallet.address, txHash: tx.hash, nonce: tx.nonce }) } : {}),
    },
  );
  return { ...stream, openTx: hash, openBlock: receipt.blockNumber, gasPaid: receipt.gasUsed * receipt.effectiveGasPrice };
}
