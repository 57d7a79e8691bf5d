/**
 * Registers an offering idempotently: the provider's wallet and the model identify it. Found -> updated
 * only if price, endpoint or active flag differ; not found -> registered once. A local endpoint
 * (localhost / 127.x / ::1) never replaces a public one unless `overwritePublicEndpoint` is set, so a
 * developer's laptop run cannot hijack a deployed provider's traffic. Registration carries the
 * registry's REGISTRATION_BOND; retired entries are skipped (they cannot be updated).
 */
import { getProvider } from "./actions/get-provider.ts";
import { listProviderIdsByWallet } from "./actions/list-provider-ids-by-wallet.ts";
import { registerProvider } from "./actions/register-provider.ts";
import { updateProvider } from "./actions/update-provider.ts";
import type { ChainClients } from "./client.ts";
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
 * Bounded calls only: the wallet's ids come in windows of 2,000 (listProviderIdsByWallet), so 20,000
 * junk registrations cost 11 calls here, never one call over the node's gas cap.
 * @example
 * const { providerId } = await ensureRegistered(clients, registry, { model: "echo-1", pricePerSecond: 10n, endpoint, serviceType: 0 });
 */
export async function ensureRegistered(
  clients: ChainClients,
  registry: Address,
  o: OfferingRegistration,
  opts: { overwritePublicEndpoint?: boolean; confirmations?: number } = {},
): Promise<RegistrationOutcome> {
  const read = clients.publicClient;
  const confirmations = opts.confirmations ?? 1;
  // Newest first: the latest registration of this model is the one kept up to date.
  const ids = (await listProviderIdsByWallet(read, { registry, wallet: clients.address })).reverse();
  for (const id of ids) {
    const p = await getProvider(read, { registry, providerId: id });
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
