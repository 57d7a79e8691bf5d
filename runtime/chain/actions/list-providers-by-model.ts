/** Every provider registered for exactly `model` and not retired, newest first: pages of getProvidersByModel. */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { toRegistryProvider, type RegistryProvider } from "./get-provider.ts";
import { MAX_PAGES, PROVIDER_PAGE } from "./paging.ts";

/**
 * @example
 * const offers = await listProvidersByModel(client, { registry, model: "echo-1" });
 */
export async function listProvidersByModel(client: ReadClient, p: { registry: Address; model: string }): Promise<RegistryProvider[]> {
  const out: RegistryProvider[] = [];
  let cursor = 0n;
  for (let page = 0; page < MAX_PAGES; page++) {
    let list: readonly RegistryProvider[];
    let next: bigint;
    try {
      [list, next] = await client.readContract({ address: p.registry, abi: computeRegistryAbi, functionName: "getProvidersByModel", args: [p.model, cursor, PROVIDER_PAGE] });
    } catch (err) {
      throw chainError(err, `ComputeRegistry ${p.registry}.getProvidersByModel(${JSON.stringify(p.model.slice(0, 64))}, ${cursor})`);
    }
    for (const x of list) out.push(toRegistryProvider(x));
    if (next === 0n) break;
    cursor = next;
  }
  return out;
}
