/**
 * The streams a sender opened (StreamCreated logs filtered by the indexed sender), each with the
 * keeper fee a third party took when closing it after its end (StreamBatchUpdated), if any.
 */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";

export type SentStream = { streamId: bigint; recipient: Address; providerId: bigint; deposit: bigint; keeperFee: bigint };

/**
 * @example
 * const sent = await listStreamsBySender(client, { streamPay, sender: wallet, fromBlock: 0n });
 */
export async function listStreamsBySender(client: ReadClient, p: { streamPay: Address; sender: Address; fromBlock?: bigint }): Promise<SentStream[]> {
  const base = { address: p.streamPay, abi: streamPayAbi, fromBlock: p.fromBlock ?? 0n } as const;
  try {
    const [created, batches] = await Promise.all([
      client.getContractEvents({ ...base, eventName: "StreamCreated", args: { sender: p.sender } }),
      client.getContractEvents({ ...base, eventName: "StreamBatchUpdated" }),
    ]);
    const fees = new Map<bigint, bigint>();
    for (const b of batches) if (b.args.streamId !== undefined) fees.set(b.args.streamId, b.args.keeperFee ?? 0n);
    const out: SentStream[] = [];
    for (const c of created) {
      const a = c.args;
      if (a.streamId === undefined || a.recipient === undefined || a.providerId === undefined || a.deposit === undefined) continue;
      out.push({ streamId: a.streamId, recipient: a.recipient, providerId: a.providerId, deposit: a.deposit, keeperFee: fees.get(a.streamId) ?? 0n });
    }
    return out;
  } catch (err) {
    throw chainError(err, `StreamPay ${p.streamPay} streams sent by ${p.sender}`);
  }
}
