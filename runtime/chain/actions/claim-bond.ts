/**
 * ComputeRegistry.claimBond: anyone pays a retired provider's bond to the payee named at retirement,
 * once BOND_COOLDOWN has passed. Reverts (CHAIN_REVERTED) with NoBondDue, BondNotDue (its release
 * time in the details' args) or BondRefundFailed (the payee refused; the bond stays due).
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

/**
 * @example
 * await claimBond(clients, { registry, providerId: 4n });
 */
export async function claimBond(clients: ChainClients, p: { registry: Address; providerId: bigint }, o: WriteOptions = {}): Promise<Written> {
  return submitWrite(clients, `ComputeRegistry.claimBond(${p.providerId})`, async () => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.registry, abi: computeRegistryAbi, functionName: "claimBond", args: [p.providerId], account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request);
  }, o);
}
