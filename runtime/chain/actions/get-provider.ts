/**
 * ComputeRegistry.getProvider as a ProviderInfo, or null for an id never registered (the registry
 * reverts with UnknownProvider for it). Other failures go through chainError.
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError, revertOf } from "../errors.ts";

/** A registry entry as the chain holds it (IComputeRegistry.Provider). */
export type RegistryProvider = {
  id: bigint; wallet: Address; model: string; endpoint: string; pricePerSecond: bigint; serviceType: number;
  active: boolean; retired: boolean; completedJobs: bigint; totalEarned: bigint; registeredAt: bigint;
};

/** The ABI's Provider tuple as a RegistryProvider (the same fields; one place that says so). */
export function toRegistryProvider(p: RegistryProvider): RegistryProvider {
  return {
    id: p.id, wallet: p.wallet, model: p.model, endpoint: p.endpoint, pricePerSecond: p.pricePerSecond, serviceType: p.serviceType,
    active: p.active, retired: p.retired, completedJobs: p.completedJobs, totalEarned: p.totalEarned, registeredAt: p.registeredAt,
  };
}

/**
 * @example
 * const p = await getProvider(client, { registry, providerId: 1n }); // { model: "echo-1", ... } | null
 */
export async function getProvider(client: ReadClient, p: { registry: Address; providerId: bigint; blockNumber?: bigint }): Promise<RegistryProvider | null> {
  try {
    const raw = await client.readContract({
      address: p.registry, abi: computeRegistryAbi, functionName: "getProvider", args: [p.providerId], ...(p.blockNumber === undefined ? {} : { blockNumber: p.blockNumber }),
    });
    return toRegistryProvider(raw);
  } catch (err) {
    if (revertOf(err)?.errorName === "UnknownProvider") return null;
    throw chainError(err, `ComputeRegistry ${p.registry}.getProvider(${p.providerId})`);
  }
}
