/**
 * Registers an offering idempotently: the provider's wallet and the model identify it. Found -> updated
 * only if price, endpoint or active flag differ; not found -> registered once. A local endpoint
 * (localhost / 127.x / ::1) never replaces a public one unless `overwritePublicEndpoint` is set, so a
 * developer's laptop run cannot hijack a deployed provider's traffic.
 */
import type { Address } from "viem";
import { computeRegistryAbi } from "../../contracts/generated/abi.ts";
import type { ChainClients } from "./clients.ts";
import { sendTx } from "./send-tx.ts";

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
  const ids = (await read.readContract({ address: registry, abi: computeRegistryAbi, functionName: "getProviderIdsByWallet", args: [clients.address] })) as readonly bigint[];
  for (const id of ids) {
    const p = (await read.readContract({ address: registry, abi: computeRegistryAbi, functionName: "getProvider", args: [id] })) as {
      model: string; endpoint: string; pricePerSecond: bigint; active: boolean;
    };
    if (p.model !== o.model) continue;
    const keepPublic = isLocalEndpoint(o.endpoint) && !isLocalEndpoint(p.endpoint) && !opts.overwritePublicEndpoint;
    const endpoint = keepPublic ? p.endpoint : o.endpoint;
    if (p.pricePerSecond === o.pricePerSecond && p.endpoint === endpoint && p.active) return { providerId: id, action: "unchanged", endpoint };
    const { hash } = await sendTx(
      clients,
      { address: registry, abi: computeRegistryAbi, functionName: "updateProvider", args: [id, o.pricePerSecond, endpoint, true] },
      { confirmations: opts.confirmations ?? 1 },
    );
    return { providerId: id, action: "updated", endpoint, txHash: hash };
  }
  const { hash, receipt } = await sendTx(
    clients,
    { address: registry, abi: computeRegistryAbi, functionName: "registerProvider", args: [o.model, o.pricePerSecond, o.endpoint, o.serviceType] },
    { confirmations: opts.confirmations ?? 1 },
  );
  const after = (await read.readContract({
    address: registry, abi: computeRegistryAbi, functionName: "getProviderIdsByWallet", args: [clients.address], blockNumber: receipt.blockNumber,
  })) as readonly bigint[];
  const providerId = after[after.length - 1];
  if (providerId === undefined) throw new Error(`registerProvider ${hash} left no provider id for ${clients.address}`);
  return { providerId, action: "registered", endpoint: o.endpoint, txHash: hash };
}
