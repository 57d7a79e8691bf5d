/**
 * Pays out coin StreamPay credited after a failed push: `claim()` to the caller, `claimTo(to)` to
 * another address of the caller's choosing, or `claimFor(account)` — anyone pushes an account's
 * credit to that account with full gas (nothing strands).
 */
import type { Address } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

export type ClaimParameters = { streamPay: Address } & ({ to?: Address; for?: undefined } | { for: Address; to?: undefined });

/**
 * @example
 * await claim(clients, { streamPay });                 // my credit, to me
 * await claim(clients, { streamPay, to: coldWallet }); // my credit, elsewhere
 * await claim(clients, { streamPay, for: provider });  // someone's credit, to them
 */
export async function claim(clients: ChainClients, p: ClaimParameters, o: WriteOptions = {}): Promise<Written> {
  const base = { address: p.streamPay, abi: streamPayAbi, account: clients.walletClient.account, blockTag: "pending" } as const;
  if (p.for !== undefined) {
    const account = p.for;
    return submitWrite(clients, `StreamPay.claimFor(${account})`, async () => {
      const { request } = await clients.publicClient.simulateContract({ ...base, functionName: "claimFor", args: [account] });
      return writeWithGasMargin(clients, request);
    }, o);
  }
  if (p.to !== undefined) {
    const to = p.to;
    return submitWrite(clients, `StreamPay.claimTo(${to})`, async () => {
      const { request } = await clients.publicClient.simulateContract({ ...base, functionName: "claimTo", args: [to] });
      return writeWithGasMargin(clients, request);
    }, o);
  }
  return submitWrite(clients, "StreamPay.claim", async () => {
    const { request } = await clients.publicClient.simulateContract({ ...base, functionName: "claim" });
    return writeWithGasMargin(clients, request);
  }, o);
}
