/**
 * Registers an offering idempotently: the provider's wallet and the model identify it. Found -> updated
 * only if price, endpoint or active flag differ; not found -> registered once. A local endpoint
 * (localhost / 127.x / ::1) never replaces a public one unless `overwritePublicEndpoint` is set, so a
 * developer's laptop run cannot hijack a deployed provider's traffic. Registration carries the
 * registry's REGISTRATION_BOND; retired entries are skipped (they cannot be updated).
 * The wallet's entries come from the registry's indexed ProviderRegistered logs (from `fromBlock`,
 * the registry's deployment block) and are read at one block; a scan that cannot finish throws
 * (CHAIN_PAGE_CAP, CHAIN_UNAVAILABLE...) rather than register a second time with a second bond.
 */
import { getProvider } from "./actions/get-provider.ts";
import { listProviderIdsByWallet } from "./actions/list-provider-ids-by-wallet.ts";
import { registerProvider } from "./actions/register-provider.ts";
import { updateProvider } from "./actions/update-provider.ts";
import type { ChainClients } from "./client.ts";
import { chainError } from "./errors.ts";
import type { Address } from "viem";

export type OfferingRegistration = { model: string; pricePerSecond: bigint; endpoint: string; serviceType: number };
export type RegistrationOutcome = { providerId: bigint; action: "registered" | "updated" | "unchanged"; endpoint: string; txHash?: string };

export function isLocalEndpoint(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "localhost" || host.startsWith("127.") || host === "[::1]" || host === "0.0.0.0";
  } catch {
    return true;
  }
}

/**
 * Bounded calls only: junk registrations by other wallets add nothing to the log scan (the node
 * filters on the indexed wallet), and each window of LOG_WINDOW blocks is one eth_getLogs call.
 * @example
 * const { providerId } = await ensureRegistered(clients, registry, { model: "echo-1", pricePerSecond: 10n, endpoint, serviceType: 0 });
 */
export async function ensureRegistered(
  clients: ChainClients,
  registry: Address,
  o: OfferingRegistration,
  opts: { overwritePublicEndpoint?: boolean; confirmations?: number; fromBlock?: bigint } = {},
): Promise<RegistrationOutcome> {
  const read = clients.publicClient;
  const confirmations = opts.confirmations ?? 1;
  let blockNumber: bigint;
  try {
    blockNumber = await read.getBlockNumber({ cacheTime: 0 });
  } catch (err) {
    throw chainError(err, "ensureRegistered: head block");
  }
  // Newest first: the latest registration of this model is the one kept up to date.
  const ids = (await listProviderIdsByWallet(read, { registry, wallet: clients.address, blockNumber, ...(opts.fromBlock === undefined ? {} : { fromBlock: opts.fromBlock }) })).reverse();
  for (const id of ids) {
    const p = await getProvider(read, { registry, providerId: id, blockNumber });
    if (!p || p.model !== o.model || p.retired) continue;
    const keepPublic = isLocalEndpoint(o.endpoint) && !isLocalEndpoint(p.endpoint) && !opts.overwritePublicEndpoint;
    const endpoint = keepPublic ? p.endpoint : o.endpoint;
    if (p.pricePerSecond === o.pricePerSecond && p.endpoint === endpoint && p.active) return { providerId: id, action: "unchanged", endpoint };
    const { hash } = await updateProvider(clients, { registry, providerId: id, pricePerSecond: o.pricePerSecond, endpoint, active: true }, { confirmations });
    return { providerId: id, action: "updated", endpoint, txHash: hash };
  }
  const { providerId, hash } = await registerProvider(clients, { registry, ...o }, { confirmations });
  return { providerId, action: "registered", endpoint: o.endpoint, txHash: hash };
}
