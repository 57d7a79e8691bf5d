/** Every provider in the registry (or only the active ones), by id: pages of ComputeRegistry.getProviders. */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { toRegistryProvider, type RegistryProvider } from "./get-provider.ts";
import { MAX_PAGES, PROVIDER_PAGE } from "./paging.ts";

/**
 * @example
 * const active = await listProviders(client, { registry, activeOnly: true });
 */
export async function listProviders(client: ReadClient, p: { registry: Address; activeOnly?: boolean }): Promise<RegistryProvider[]> {
  const out: RegistryProvider[] = [];
  for (let offset = 0n, page = 0; page < MAX_PAGES; page++, offset += PROVIDER_PAGE) {
    let list: readonly RegistryProvider[];
    let total: bigint;
    try {
      [list, total] = await client.readContract({ address: p.registry, abi: computeRegistryAbi, functionName: "getProviders", args: [offset, PROVIDER_PAGE] });
    } catch (err) {
      throw chainError(err, `ComputeRegistry ${p.registry}.getProviders(${offset}, ${PROVIDER_PAGE})`);
    }
    for (const x of list) if (!p.activeOnly || x.active) out.push(toRegistryProvider(x));
    if (offset + PROVIDER_PAGE >= total) break;
  }
  return out;
}
