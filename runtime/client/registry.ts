/**
 * Reading the ComputeRegistry: one provider, the providers of a model, all active ones, a wallet's.
 * Only bounded calls: every registry view is paged on chain (a page of at most 200 providers or a
 * window of at most 2,000 ids, each with a documented worst-case gas, contracts/README.md), and
 * these loops follow the pages, so 20,000 junk registrations make more calls, never a call that
 * fails. A node that cannot be reached is CHAIN_UNAVAILABLE.
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../contracts/generated/abi.ts";
import { chainError } from "../chain/send-tx.ts";
import type { ClientChain } from "./chain.ts";
import type { ProviderInfo } from "./types.ts";

/** The registry's own clamps (MAX_PAGE, MAX_SCAN): asking for more returns no more. */
export const PROVIDER_PAGE = 200n;
export const ID_WINDOW = 2_000n;
/** A ceiling on pages per listing (200,000 providers), so a misbehaving node cannot loop us forever. */
const MAX_PAGES = 1_000;

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

async function guarded<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw chainError(err, `ComputeRegistry.${what}`);
  }
}

/** One provider by id (CHAIN_TX_FAILED "UnknownProvider" when it does not exist). */
export async function readProvider(chain: ClientChain, id: bigint): Promise<ProviderInfo> {
  const p = await guarded("getProvider", () =>
    chain.publicClient.readContract({ address: chain.contracts.registry, abi: computeRegistryAbi, functionName: "getProvider", args: [id] }));
  return toInfo(p);
}

/** Every provider registered for exactly `model` and not retired, newest first, page by page. */
export async function providersOfModel(chain: ClientChain, model: string): Promise<ProviderInfo[]> {
  const out: ProviderInfo[] = [];
  let cursor = 0n;
  for (let page = 0; page < MAX_PAGES; page++) {
    const [list, next] = await guarded("getProvidersByModel", () =>
      chain.publicClient.readContract({
        address: chain.contracts.registry, abi: computeRegistryAbi, functionName: "getProvidersByModel", args: [model, cursor, PROVIDER_PAGE],
      }));
    for (const p of list) out.push(toInfo(p));
    if (next === 0n) break;
    cursor = next;
  }
  return out;
}

/** Every active provider, by id (pages of getProviders, filtered). */
export async function activeProviders(chain: ClientChain): Promise<ProviderInfo[]> {
  const out: ProviderInfo[] = [];
  for (let offset = 0n, page = 0; page < MAX_PAGES; page++, offset += PROVIDER_PAGE) {
    const [list, total] = await guarded("getProviders", () =>
      chain.publicClient.readContract({ address: chain.contracts.registry, abi: computeRegistryAbi, functionName: "getProviders", args: [offset, PROVIDER_PAGE] }));
    for (const p of list) if (p.active) out.push(toInfo(p));
    if (offset + PROVIDER_PAGE >= total) break;
  }
  return out;
}

/** The ids registered by `wallet`, ascending: windows of getProviderIdsByWallet. */
export async function providerIdsOfWallet(chain: Pick<ClientChain, "publicClient" | "contracts">, wallet: Address, blockNumber?: bigint): Promise<bigint[]> {
  const ids: bigint[] = [];
  let offset = 0n;
  for (let page = 0; page < MAX_PAGES; page++) {
    const [found, next] = await guarded("getProviderIdsByWallet", () =>
      chain.publicClient.readContract({
        address: chain.contracts.registry, abi: computeRegistryAbi, functionName: "getProviderIdsByWallet", args: [wallet, offset, ID_WINDOW],
        ...(blockNumber === undefined ? {} : { blockNumber }),
      }));
    ids.push(...found);
    if (next === 0n) break;
    offset = next;
  }
  return ids;
}

/** Every provider registered by `wallet`, active or not, by id. */
export async function providersOfWallet(chain: ClientChain, wallet: Address): Promise<ProviderInfo[]> {
  const ids = await providerIdsOfWallet(chain, wallet);
  return Promise.all(ids.map((id) => readProvider(chain, id)));
}
