/**
 * The streams a sender opened (StreamCreated logs filtered by the indexed sender), each with the
 * keeper fee a third party took when closing it after its end (StreamBatchUpdated), if any. Logs are
 * read in windows of `LOG_WINDOW` blocks from `fromBlock` (pass the deployment block) to the head.
 */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { blockWindows, LOG_WINDOW } from "./paging.ts";

export type SentStream = { streamId: bigint; recipient: Address; providerId: bigint; deposit: bigint; keeperFee: bigint };

/**
 * @example
 * const sent = await listStreamsBySender(client, { streamPay, sender: wallet, fromBlock: deploymentBlock });
 */
export async function listStreamsBySender(client: ReadClient, p: { streamPay: Address; sender: Address; fromBlock?: bigint; logWindow?: bigint }): Promise<SentStream[]> {
  const out: SentStream[] = [];
  const fees = new Map<bigint, bigint>();
  try {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    for (const [fromBlock, toBlock] of blockWindows(p.fromBlock ?? 0n, head, p.logWindow ?? LOG_WINDOW)) {
      const base = { address: p.streamPay, abi: streamPayAbi, fromBlock, toBlock } as const;
      const [created, batches] = await Promise.all([
        client.getContractEvents({ ...base, eventName: "StreamCreated", args: { sender: p.sender } }),
        client.getContractEvents({ ...base, eventName: "StreamBatchUpdated" }),
      ]);
      for (const b of batches) if (b.args.streamId !== undefined) fees.set(b.args.streamId, b.args.keeperFee ?? 0n);
      for (const { args: a } of created) {
        if (a.streamId === undefined || a.recipient === undefined || a.providerId === undefined || a.deposit === undefined) continue;
        out.push({ streamId: a.streamId, recipient: a.recipient, providerId: a.providerId, deposit: a.deposit, keeperFee: 0n });
      }
    }
  } catch (err) {
    throw chainError(err, `StreamPay ${p.streamPay} streams sent by ${p.sender}`);
  }
  // A keeper closes a stream after it was created, possibly in a later window.
  return out.map((s) => ({ ...s, keeperFee: fees.get(s.streamId) ?? 0n }));
}
