/**
 * Every provider registered for exactly `model` and not retired, newest first: pages of
 * getProvidersByModel, all read at ONE block (the head when called, or `blockNumber`), so an entry
 * retired or registered between two pages can neither cut the list short nor appear twice.
 * More than MAX_PAGES pages throws CHAIN_PAGE_CAP (never a silently cut list).
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { toRegistryProvider, type RegistryProvider } from "./get-provider.ts";
import { MAX_PAGES, pageCapReached, PROVIDER_PAGE } from "./paging.ts";

export type ListProvidersByModelParameters = { registry: Address; model: string; blockNumber?: bigint; pageSize?: bigint; maxPages?: number };

/**
 * @example
 * const offers = await listProvidersByModel(client, { registry, model: "echo-1" });
 */
export async function listProvidersByModel(client: ReadClient, p: ListProvidersByModelParameters): Promise<RegistryProvider[]> {
  const what = `ComputeRegistry ${p.registry}.getProvidersByModel(${JSON.stringify(p.model.slice(0, 64))})`;
  const out: RegistryProvider[] = [];
  const maxPages = p.maxPages ?? MAX_PAGES;
  let cursor = 0n;
  try {
    const blockNumber = p.blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
    for (let page = 0; page < maxPages; page++) {
      const [list, next] = await client.readContract({
        address: p.registry, abi: computeRegistryAbi, functionName: "getProvidersByModel", args: [p.model, cursor, p.pageSize ?? PROVIDER_PAGE], blockNumber,
      });
      for (const x of list) out.push(toRegistryProvider(x));
      if (next === 0n) return out;
      cursor = next;
    }
  } catch (err) {
    throw chainError(err, `${what} at cursor ${cursor}`);
  }
  throw pageCapReached(what, maxPages, `pages of ${p.pageSize ?? PROVIDER_PAGE}`);
}
