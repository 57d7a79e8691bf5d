/**
 * Registers an offering idempotently: the provider's wallet and the model identify it. Found -> updated
 * only if price, endpoint or active flag differ; not found -> registered once. A local endpoint
 * (localhost / 127.x / ::1) never replaces a public one unless `overwritePublicEndpoint` is set, so a
 * developer's laptop run cannot hijack a deployed provider's traffic. Registration carries the
 * registry's REGISTRATION_BOND; retired entries are skipped (they cannot be updated).
 */
import { parseEventLogs, type Address, type PublicClient } from "viem";
import { computeRegistryAbi } from "../../contracts/generated/abi.ts";
import type { ChainClients } from "./client.ts";
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

/** The registry's MAX_SCAN: one getProviderIdsByWallet call scans at most this many ids (~4.2M gas). */
const ID_WINDOW = 2_000n;
/** A ceiling on windows (2,000,000 ids), so a misbehaving node cannot loop us forever. */
const MAX_WINDOWS = 1_000;

/**
 * The wallet's provider ids, ascending. Bounded calls only: the registry scans at most 2,000 ids per
 * call, so 20,000 junk registrations cost 11 calls here, never one call over the node's gas cap.
 */
export async function walletProviderIds(read: PublicClient, registry: Address, wallet: Address): Promise<bigint[]> {
  const ids: bigint[] = [];
  let offset = 0n;
  for (let i = 0; i < MAX_WINDOWS; i++) {
    const [found, next] = await read.readContract({
      address: registry, abi: computeRegistryAbi, functionName: "getProviderIdsByWallet", args: [wallet, offset, ID_WINDOW],
    });
    ids.push(...found);
    if (next === 0n) break;
    offset = next;
  }
  return ids;
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
  // Newest first: the latest registration of this model is the one kept up to date.
  const ids = (await walletProviderIds(read, registry, clients.address)).reverse();
  for (const id of ids) {
    const p = await read.readContract({ address: registry, abi: computeRegistryAbi, functionName: "getProvider", args: [id] });
    if (p.model !== o.model || p.retired) continue;
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
  // The bond is fixed at deployment (0 on a local chain); registration must carry exactly it.
  const bond = await read.readContract({ address: registry, abi: computeRegistryAbi, functionName: "REGISTRATION_BOND" });
  const { hash, receipt } = await sendTx(
    clients,
    { address: registry, abi: computeRegistryAbi, functionName: "registerProvider", args: [o.model, o.pricePerSecond, o.endpoint, o.serviceType], value: bond },
    { confirmations: opts.confirmations ?? 1 },
  );
  const [registered] = parseEventLogs({ abi: computeRegistryAbi, logs: receipt.logs, eventName: "ProviderRegistered" })
    .filter((l) => l.address.toLowerCase() === registry.toLowerCase());
  if (!registered) throw new Error(`registerProvider ${hash} left no ProviderRegistered event for ${clients.address}`);
  return { providerId: registered.args.providerId, action: "registered", endpoint: o.endpoint, txHash: hash };
}
