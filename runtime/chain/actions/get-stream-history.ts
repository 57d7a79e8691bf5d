/**
 * How a stream was opened and how it closed, from StreamPay's events: the StreamCreated log (with
 * the gas its sender paid) and the first closing log — StreamSettled, StreamCancelled (and by whom)
 * or StreamBatchUpdated (a keeper, and its fee). Either is absent when it has not happened (or
 * happened before `fromBlock`). Logs are read in windows of `LOG_WINDOW` blocks up to the head,
 * stopping once both are found; pass the stream's open block (or the deployment block) as `fromBlock`.
 */
import type { Address, Hash } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { blockWindows, LOG_WINDOW } from "./paging.ts";

const ZERO: Address = "0x0000000000000000000000000000000000000000";

export type StreamHistory = {
  opened?: { txHash: Hash; blockNumber: bigint; gasPaid: bigint };
  closed?:
    | { kind: "settled"; txHash: Hash; blockNumber: bigint; earned: bigint; refund: bigint }
    | { kind: "cancelled"; txHash: Hash; blockNumber: bigint; by: Address; recipientAmount: bigint; senderRefund: bigint }
    | { kind: "batch"; txHash: Hash; blockNumber: bigint; keeper: Address; recipientAmount: bigint; senderRefund: bigint; keeperFee: bigint };
};

type HistoryParameters = { streamPay: Address; streamId: bigint; fromBlock?: bigint; logWindow?: bigint };

async function scanWindow(client: ReadClient, p: HistoryParameters, fromBlock: bigint, toBlock: bigint, out: StreamHistory): Promise<void> {
  const common = { address: p.streamPay, abi: streamPayAbi, args: { streamId: p.streamId }, fromBlock, toBlock } as const;
  const [created, settled, cancelled, batch] = await Promise.all([
    out.opened ? [] : client.getContractEvents({ ...common, eventName: "StreamCreated" }),
    client.getContractEvents({ ...common, eventName: "StreamSettled" }),
    client.getContractEvents({ ...common, eventName: "StreamCancelled" }),
    client.getContractEvents({ ...common, eventName: "StreamBatchUpdated" }),
  ]);
  const c = created[0];
  if (c) {
    const r = await client.getTransactionReceipt({ hash: c.transactionHash });
    out.opened = { txHash: c.transactionHash, blockNumber: c.blockNumber, gasPaid: r.gasUsed * r.effectiveGasPrice };
  }
  const [s, x, b] = [settled[0], cancelled[0], batch[0]];
  if (s) out.closed = { kind: "settled", txHash: s.transactionHash, blockNumber: s.blockNumber, earned: s.args.earned ?? 0n, refund: s.args.refund ?? 0n };
  else if (x) {
    out.closed = {
      kind: "cancelled", txHash: x.transactionHash, blockNumber: x.blockNumber, by: x.args.by ?? ZERO,
      recipientAmount: x.args.recipientAmount ?? 0n, senderRefund: x.args.senderRefund ?? 0n,
    };
  } else if (b) {
    out.closed = {
      kind: "batch", txHash: b.transactionHash, blockNumber: b.blockNumber, keeper: b.args.keeper ?? ZERO,
      recipientAmount: b.args.recipientAmount ?? 0n, senderRefund: b.args.senderRefund ?? 0n, keeperFee: b.args.keeperFee ?? 0n,
    };
  }
}

/**
 * @example
 * const { opened, closed } = await getStreamHistory(client, { streamPay, streamId: 7n, fromBlock: 100n });
 * if (closed?.kind === "batch") console.log(closed.keeperFee);
 */
export async function getStreamHistory(client: ReadClient, p: HistoryParameters): Promise<StreamHistory> {
  const out: StreamHistory = {};
  try {
    const head = await client.getBlockNumber({ cacheTime: 0 });
    for (const [from, to] of blockWindows(p.fromBlock ?? 0n, head, p.logWindow ?? LOG_WINDOW)) {
      await scanWindow(client, p, from, to, out);
      if (out.closed) break; // a stream closes once, after it opened
    }
    return out;
  } catch (err) {
    throw chainError(err, `StreamPay ${p.streamPay} events of stream ${p.streamId}`);
  }
}
