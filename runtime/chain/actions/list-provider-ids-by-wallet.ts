/** The provider ids a wallet registered, ascending: windows of ComputeRegistry.getProviderIdsByWallet. */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { ID_WINDOW, MAX_PAGES } from "./paging.ts";

/**
 * @example
 * const ids = await listProviderIdsByWallet(client, { registry, wallet }); // [1n, 4n]
 */
export async function listProviderIdsByWallet(client: ReadClient, p: { registry: Address; wallet: Address; blockNumber?: bigint }): Promise<bigint[]> {
  const ids: bigint[] = [];
  let offset = 0n;
  for (let page = 0; page < MAX_PAGES; page++) {
    let found: readonly bigint[];
    let next: bigint;
    try {
      [found, next] = await client.readContract({
        address: p.registry, abi: computeRegistryAbi, functionName: "getProviderIdsByWallet", args: [p.wallet, offset, ID_WINDOW],
        ...(p.blockNumber === undefined ? {} : { blockNumber: p.blockNumber }),
      });
    } catch (err) {
      throw chainError(err, `ComputeRegistry ${p.registry}.getProviderIdsByWallet(${p.wallet}, ${offset})`);
    }
    ids.push(...found);
    if (next === 0n) break;
    offset = next;
  }
  return ids;
}
