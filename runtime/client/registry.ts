/**
 * The SDK's registry reads: one provider, the providers of a model, all active ones, a wallet's.
 * Each is a chain action (runtime/chain/actions) bound to a ClientChain. Only bounded calls: every
 * registry view is paged on chain and the actions follow the pages, so 20,000 junk registrations
 * make more calls, never a call that fails. A node that cannot be reached is CHAIN_UNAVAILABLE.
 */
import type { Address } from "viem";
import { getProvider } from "../chain/actions/get-provider.ts";
import { getReputation } from "../chain/actions/get-reputation.ts";
import { listProviderIdsByWallet } from "../chain/actions/list-provider-ids-by-wallet.ts";
import { listProviders } from "../chain/actions/list-providers.ts";
import { listProvidersByModel } from "../chain/actions/list-providers-by-model.ts";
import { ClawError } from "../core/errors.ts";
import type { ClientChain } from "./chain.ts";
import type { ProviderInfo } from "./types.ts";

export { ID_WINDOW, PROVIDER_PAGE } from "../chain/actions/paging.ts";

/**
 * One provider by id; UNKNOWN_PROVIDER (404) when the registry never issued it.
 * @example
 * const p = await readProvider(chain, 1n);
 */
export async function readProvider(chain: ClientChain, id: bigint): Promise<ProviderInfo> {
  const p = await getProvider(chain.publicClient, { registry: chain.contracts.registry, providerId: id });
  if (!p) throw new ClawError("UNKNOWN_PROVIDER", { message: `Provider #${id} is not registered in ComputeRegistry ${chain.contracts.registry} on chain ${chain.chainId}.` });
  return p;
}

/** Every provider registered for exactly `model` and not retired, newest first. */
export function providersOfModel(chain: ClientChain, model: string): Promise<ProviderInfo[]> {
  return listProvidersByModel(chain.publicClient, { registry: chain.contracts.registry, model });
}

/** Every active provider, by id. */
export function activeProviders(chain: ClientChain): Promise<ProviderInfo[]> {
  return listProviders(chain.publicClient, { registry: chain.contracts.registry, activeOnly: true });
}

/** Every provider registered by `wallet`, active or not, by id. */
export async function providersOfWallet(chain: ClientChain, wallet: Address): Promise<ProviderInfo[]> {
  const ids = await listProviderIdsByWallet(chain.publicClient, { registry: chain.contracts.registry, wallet, ...(chain.fromBlock === undefined ? {} : { fromBlock: chain.fromBlock }) });
  return Promise.all(ids.map((id) => readProvider(chain, id)));
}

/**
 * The first `max` of `providers` with their on-chain reputation (`reputation`; null when the
 * registry has none), read 32 at a time, all at one block so the ranking compares one moment;
 * the rest are returned as they are (ranked as unrated).
 * @example
 * const withRep = await reputationsOf(chain, await providersOfModel(chain, "echo-1"));
 */
export async function reputationsOf(chain: ClientChain, providers: readonly ProviderInfo[], max = 256): Promise<ProviderInfo[]> {
  const head = providers.slice(0, Math.max(0, max));
  if (head.length === 0) return [...providers];
  const blockNumber = await chain.publicClient.getBlockNumber();
  const out: ProviderInfo[] = [];
  for (let i = 0; i < head.length; i += 32) {
    out.push(...await Promise.all(head.slice(i, i + 32).map(async (p) => ({
      ...p, reputation: await getReputation(chain.publicClient, { registry: chain.contracts.registry, providerId: p.id, blockNumber }),
    }))));
  }
  return [...out, ...providers.slice(head.length)];
}
