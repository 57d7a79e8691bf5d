/**
 * Every provider in the registry (or only the active ones), by id: pages of
 * ComputeRegistry.getProviders, all read at ONE block (the head when called, or `blockNumber`).
 * More than MAX_PAGES pages throws CHAIN_PAGE_CAP (never a silently cut list).
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { toRegistryProvider, type RegistryProvider } from "./get-provider.ts";
import { MAX_PAGES, pageCapReached, PROVIDER_PAGE } from "./paging.ts";

export type ListProvidersParameters = { registry: Address; activeOnly?: boolean; blockNumber?: bigint; pageSize?: bigint; maxPages?: number };

/**
 * @example
 * const active = await listProviders(client, { registry, activeOnly: true });
 */
export async function listProviders(client: ReadClient, p: ListProvidersParameters): Promise<RegistryProvider[]> {
  const what = `ComputeRegistry ${p.registry}.getProviders`;
  const size = p.pageSize ?? PROVIDER_PAGE;
  const maxPages = p.maxPages ?? MAX_PAGES;
  const out: RegistryProvider[] = [];
  let offset = 0n;
  try {
    const blockNumber = p.blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
    for (let page = 0; page < maxPages; page++, offset += size) {
      const [list, total] = await client.readContract({ address: p.registry, abi: computeRegistryAbi, functionName: "getProviders", args: [offset, size], blockNumber });
      for (const x of list) if (!p.activeOnly || x.active) out.push(toRegistryProvider(x));
      if (offset + size >= total) return out;
    }
  } catch (err) {
    throw chainError(err, `${what}(${offset}, ${size})`);
  }
  throw pageCapReached(what, maxPages, `pages of ${size}`);
}
