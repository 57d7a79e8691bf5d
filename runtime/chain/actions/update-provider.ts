/** ComputeRegistry.updateProvider: a provider's wallet changes its price, endpoint or active flag. */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ChainClients } from "../client.ts";
import { submitWrite, writeWithGasMargin, type WriteOptions, type Written } from "./send.ts";

export type UpdateProviderParameters = { registry: Address; providerId: bigint; pricePerSecond: bigint; endpoint: string; active: boolean };

/**
 * @example
 * await updateProvider(clients, { registry, providerId: 1n, pricePerSecond: 12n, endpoint, active: true });
 */
export async function updateProvider(clients: ChainClients, p: UpdateProviderParameters, o: WriteOptions = {}): Promise<Written> {
  return submitWrite(clients, `ComputeRegistry.updateProvider(${p.providerId})`, async () => {
    const { request } = await clients.publicClient.simulateContract({
      address: p.registry, abi: computeRegistryAbi, functionName: "updateProvider", args: [p.providerId, p.pricePerSecond, p.endpoint, p.active],
      account: clients.walletClient.account, blockTag: "pending",
    });
    return writeWithGasMargin(clients, request);
  }, o);
}
