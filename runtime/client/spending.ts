/**
 * What a wallet has spent buying compute: every stream it opened (StreamCreated logs with it as the
 * indexed sender), what each paid its provider, what came back, and the deposits still locked in
 * open streams. Read from the chain only, so it is true whatever client opened the streams.
 */
import type { Address } from "viem";
import { listStreamsBySender } from "../chain/actions/list-streams-by-sender.ts";
import { getStream } from "../chain/actions/get-stream.ts";
import type { StreamStatus } from "../core/stream.ts";
import type { ClientChain } from "./chain.ts";

export type StreamSpend = { streamId: bigint; providerId: bigint; recipient: Address; deposit: bigint; status: StreamStatus; paid: bigint; refunded: bigint };

export type Spending = {
  address: Address;
  streams: StreamSpend[];
  /** Paid to providers by closed streams. */
  paid: bigint;
  /** Returned by closed streams. */
  refunded: bigint;
  /** Deposits of streams still open. */
  locked: bigint;
};

/**
 * @example
 * const s = await spending(chain, "0x…"); // s.paid, s.locked, s.streams
 */
export async function spending(chain: ClientChain, address: Address, o: { fromBlock?: bigint } = {}): Promise<Spending> {
  const sent = await listStreamsBySender(chain.publicClient, { streamPay: chain.contracts.streamPay, sender: address, fromBlock: o.fromBlock ?? chain.fromBlock ?? 0n });
  const streams = await Promise.all(
    sent.map(async (a): Promise<StreamSpend> => {
      const s = await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId: a.streamId });
      // Once closed, `withdrawn` is everything the recipient received; keeper fees (expired streams
      // closed by a third party) are the only outflow besides paid and refunded.
      const paid = s.withdrawn;
      const refunded = s.status === "active" ? 0n : a.deposit - paid - a.keeperFee;
      return { streamId: a.streamId, providerId: a.providerId, recipient: a.recipient, deposit: a.deposit, status: s.status, paid, refunded };
    }),
  );
  const closed = streams.filter((s) => s.status !== "active");
  return {
    address, streams,
    paid: closed.reduce((t, s) => t + s.paid, 0n),
    refunded: closed.reduce((t, s) => t + s.refunded, 0n),
    locked: streams.filter((s) => s.status === "active").reduce((t, s) => t + s.deposit, 0n),
  };
}
