/**
 * Reads one provider from ComputeRegistry for the audit: its completions and earnings.
 * An unknown id reverts with UnknownProvider on chain; that is returned as null.
 */
import { BaseError, ContractFunctionRevertedError, type Address, type PublicClient } from "viem";
import { computeRegistryAbi } from "../../contracts/generated/abi.ts";
import type { ChainProvider } from "../core/reconcile.ts";
import { chainReadError } from "./read-errors.ts";

/**
 * @example
 * const p = await readProvider(publicClient, registry, 1n); // { completedJobs: 1n, totalEarned: 1750n, ... } | null
 */
export async function readProvider(client: PublicClient, registry: Address, providerId: bigint): Promise<ChainProvider | null> {
  try {
    const p = await client.readContract({ address: registry, abi: computeRegistryAbi, functionName: "getProvider", args: [providerId] });
    return { providerId, wallet: p.wallet, completedJobs: p.completedJobs, totalEarned: p.totalEarned };
  } catch (err) {
    const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName === "UnknownProvider") return null;
    throw chainReadError(err, `ComputeRegistry ${registry}.getProvider(${providerId})`);
  }
}
