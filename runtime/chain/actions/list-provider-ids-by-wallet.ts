/**
 * The provider ids a wallet registered, ascending, from the registry's ProviderRegistered logs
 * filtered by their indexed wallet: the node's log index finds them wherever the ids lie (v2
 * scanned windows of ids and gave up past 1,000 windows). Logs are read in windows of LOG_WINDOW
 * blocks from `fromBlock` (pass the registry's deployment block) to `blockNumber` (default: the
 * head, read once), at most MAX_LOG_WINDOWS windows, else CHAIN_PAGE_CAP before any call.
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import type { ReadClient } from "../client.ts";
import { chainError } from "../errors.ts";
import { cappedWindows, LOG_WINDOW, MAX_LOG_WINDOWS } from "./paging.ts";

export type ListProviderIdsByWalletParameters = {
  registry: Address; wallet: Address;
  /** First block to scan (the registry's deployment block); default 0. */
  fromBlock?: bigint;
  /** Last block to scan; default the head when called. */
  blockNumber?: bigint;
  logWindow?: bigint; maxWindows?: number;
};

/**
 * @example
 * const ids = await listProviderIdsByWallet(client, { registry, wallet, fromBlock: deploymentBlock }); // [1n, 4n]
 */
export async function listProviderIdsByWallet(client: ReadClient, p: ListProviderIdsByWalletParameters): Promise<bigint[]> {
  const ids = new Set<bigint>();
  const what = `ComputeRegistry ${p.registry} ProviderRegistered logs of ${p.wallet}`;
  let toBlock: bigint;
  try {
    toBlock = p.blockNumber ?? (await client.getBlockNumber({ cacheTime: 0 }));
  } catch (err) {
    throw chainError(err, what);
  }
  for (const [fromBlock, to] of cappedWindows(what, p.fromBlock ?? 0n, toBlock, p.logWindow ?? LOG_WINDOW, p.maxWindows ?? MAX_LOG_WINDOWS)) {
    try {
      const logs = await client.getContractEvents({
        address: p.registry, abi: computeRegistryAbi, eventName: "ProviderRegistered", args: { wallet: p.wallet }, fromBlock, toBlock: to, strict: true,
      });
      for (const l of logs) ids.add(l.args.providerId);
    } catch (err) {
      throw chainError(err, `${what}, blocks ${fromBlock}..${to}`);
    }
  }
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
