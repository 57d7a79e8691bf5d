/**
 * Reading the ComputeRegistry: one provider, the providers of a model, all active ones, a wallet's.
 * Reads run in parallel; a node that cannot be reached is CHAIN_UNAVAILABLE.
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../contracts/generated/abi.ts";
import { chainError } from "../chain/send-tx.ts";
import type { ClientChain } from "./chain.ts";
import type { ProviderInfo } from "./types.ts";

type RawProvider = {
  id: bigint; wallet: Address; model: string; endpoint: string; pricePerSecond: bigint; serviceType: number;
  active: boolean; completedJobs: bigint; totalEarned: bigint; registeredAt: bigint;
};

function toInfo(p: RawProvider): ProviderInfo {
  return {
    id: p.id, wallet: p.wallet, model: p.model, endpoint: p.endpoint, pricePerSecond: p.pricePerSecond, serviceType: Number(p.serviceType),
    active: p.active, completedJobs: p.completedJobs, totalEarned: p.totalEarned, registeredAt: p.registeredAt,
  };
}

async function read<T>(chain: ClientChain, functionName: string, args: readonly unknown[]): Promise<T> {
  try {
    return (await chain.publicClient.readContract({ address: chain.contracts.registry, abi: computeRegistryAbi, functionName, args } as never)) as T;
  } catch (err) {
    throw chainError(err, `ComputeRegistry.${functionName}`);
  }
}

/** One provider by id (CHAIN_TX_FAILED "UnknownProvider" when it does not exist). */
export async function readProvider(chain: ClientChain, id: bigint): Promise<ProviderInfo> {
  return toInfo(await read<RawProvider>(chain, "getProvider", [id]));
}

async function readMany(chain: ClientChain, ids: readonly bigint[]): Promise<ProviderInfo[]> {
  return Promise.all(ids.map((id) => readProvider(chain, id)));
}

/** Every provider registered for exactly `model`, active or not, by id. */
export async function providersOfModel(chain: ClientChain, model: string): Promise<ProviderInfo[]> {
  return readMany(chain, await read<readonly bigint[]>(chain, "getProviderIdsByModel", [model]));
}

/** Every active provider, by id. */
export async function activeProviders(chain: ClientChain): Promise<ProviderInfo[]> {
  return readMany(chain, await read<readonly bigint[]>(chain, "getActiveProviderIds", []));
}

/** Every provider registered by `wallet`, active or not, by id. */
export async function providersOfWallet(chain: ClientChain, wallet: Address): Promise<ProviderInfo[]> {
  return readMany(chain, await read<readonly bigint[]>(chain, "getProviderIdsByWallet", [wallet]));
}
