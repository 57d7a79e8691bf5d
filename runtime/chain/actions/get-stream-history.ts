/**
 * How a stream was opened and how it closed, from StreamPay's events: the StreamCreated log (with
 * the gas its sender paid) and the first closing log — StreamSettled, StreamCancelled (and by whom)
 * or StreamBatchUpdated (a keeper, and its fee). Either is absent when it has not happened (or
 * happened before `fromBlock`).
 */
import type { Address, Hash } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";

export type StreamHistory = {
  opened?: { txHash: Hash; blockNumber: bigint; gasPaid: bigint };
  closed?:
    | { kind: "settled"; txHash: Hash; blockNumber: bigint; earned: bigint; refund: bigint }
    | { kind: "cancelled"; txHash: Hash; blockNumber: bigint; by: Address; recipientAmount: bigint; senderRefund: bigint }
    | { kind: "batch"; txHash: Hash; blockNumber: bigint; keeper: Address; recipientAmount: bigint; senderRefund: bigint; keeperFee: bigint };
};

/**
 * @example
 * const { opened, closed } = await getStreamHistory(client, { streamPay, streamId: 7n, fromBlock: 100n });
 * if (closed?.kind === "batch") console.log(closed.keeperFee);
 */
export async function getStreamHistory(client: ReadClient, p: { streamPay: Address; streamId: bigint; fromBlock?: bigint }): Promise<StreamHistory> {
  const common = { address: p.streamPay, abi: streamPayAbi, args: { streamId: p.streamId }, fromBlock: p.fromBlock ?? 0n } as const;
  try {
    const [created, settled, cancelled, batch] = await Promise.all([
      client.getContractEvents({ ...common, eventName: "StreamCreated" }),
      client.getContractEvents({ ...common, eventName: "StreamSettled" }),
      client.getContractEvents({ ...common, eventName: "StreamCancelled" }),
      client.getContractEvents({ ...common, eventName: "StreamBatchUpdated" }),
    ]);
    const out: StreamHistory = {};
    const c = created[0];
    if (c) {
      const r = await client.getTransactionReceipt({ hash: c.transactionHash });
      out.opened = { txHash: c.transactionHash, blockNumber: c.blockNumber, gasPaid: r.gasUsed * r.effectiveGasPrice };
    }
    const s = settled[0];
    const x = cancelled[0];
    const b = batch[0];
    if (s) out.closed = { kind: "settled", txHash: s.transactionHash, blockNumber: s.blockNumber, earned: s.args.earned ?? 0n, refund: s.args.refund ?? 0n };
    else if (x) {
      out.closed = {
        kind: "cancelled", txHash: x.transactionHash, blockNumber: x.blockNumber, by: x.args.by ?? "0x0000000000000000000000000000000000000000",
        recipientAmount: x.args.recipientAmount ?? 0n, senderRefund: x.args.senderRefund ?? 0n,
      };
    } else if (b) {
      out.closed = {
        kind: "batch", txHash: b.transactionHash, blockNumber: b.blockNumber, keeper: b.args.keeper ?? "0x0000000000000000000000000000000000000000",
        recipientAmount: b.args.recipientAmount ?? 0n, senderRefund: b.args.senderRefund ?? 0n, keeperFee: b.args.keeperFee ?? 0n,
      };
    }
    return out;
  } catch (err) {
    throw chainError(err, `StreamPay ${p.streamPay} events of stream ${p.streamId}`);
  }
}
