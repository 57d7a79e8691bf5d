/**
 * The provider's registry chores (the seed's utility scripts): register an offering idempotently,
 * update one, and clean up — deactivate this wallet's entries whose endpoint is dead and duplicates
 * of one model (several active entries for the same model: only the one the live runtime answers
 * for is kept).
 */
import type { Address, Hash } from "viem";
import { ClawError } from "../core/errors.ts";
import { ensureRegistered, type RegistrationOutcome } from "../chain/register-offering.ts";
import { updateProvider as sendUpdate } from "../chain/actions/update-provider.ts";
import { requireWallet, type ClientChain } from "./chain.ts";
import { probeHealth } from "./discover.ts";
import { providerJson } from "./provider-http.ts";
import { providersOfWallet, readProvider } from "./registry.ts";
import type { ProviderInfo } from "./types.ts";

/**
 * Registers `model` for this wallet, or updates its existing entry (never a duplicate).
 * @example
 * await registerOffering(chain, { model: "echo-1", pricePerSecond: 10n, endpoint: "https://p.example", serviceType: 0 });
 */
export async function registerOffering(
  chain: ClientChain,
  o: { model: string; pricePerSecond: bigint; endpoint: string; serviceType: number; overwritePublicEndpoint?: boolean },
): Promise<RegistrationOutcome> {
  const wallet = requireWallet(chain, "Registering a provider");
  return ensureRegistered(wallet, chain.contracts.registry, o, { overwritePublicEndpoint: o.overwritePublicEndpoint ?? true, confirmations: chain.confirmations, ...(chain.fromBlock === undefined ? {} : { fromBlock: chain.fromBlock }) });
}

export type ProviderChange = { pricePerSecond?: bigint; endpoint?: string; active?: boolean };

/**
 * Changes price, endpoint and/or active flag of one of this wallet's providers (others keep their values).
 * @example
 * await updateProvider(chain, 3n, { pricePerSecond: 2_000n });
 */
export async function updateProvider(chain: ClientChain, id: bigint, change: ProviderChange): Promise<{ before: ProviderInfo; after: ProviderInfo; txHash: Hash | null }> {
  const wallet = requireWallet(chain, "Updating a provider");
  const before = await readProvider(chain, id);
  if (before.wallet.toLowerCase() !== wallet.address.toLowerCase()) {
    throw new ClawError("CONFIG_INVALID", { message: `Provider #${id} belongs to ${before.wallet}; this wallet is ${wallet.address}.` });
  }
  const price = change.pricePerSecond ?? before.pricePerSecond;
  const endpoint = change.endpoint ?? before.endpoint;
  const active = change.active ?? before.active;
  if (price === before.pricePerSecond && endpoint === before.endpoint && active === before.active) return { before, after: before, txHash: null };
  const { hash } = await sendUpdate(wallet, { registry: chain.contracts.registry, providerId: id, pricePerSecond: price, endpoint, active }, { confirmations: chain.confirmations });
  return { before, after: await readProvider(chain, id), txHash: hash };
}

export type CleanupAction = { id: bigint; model: string; endpoint: string; reason: "dead-endpoint" | "duplicate"; detail: string; txHash?: Hash };

/** Which provider id the runtime at `endpoint` answers for `model` (its quote), or undefined. */
async function servedId(endpoint: string, model: string): Promise<bigint | undefined> {
  try {
    const q = await providerJson<{ providerId: string }>(endpoint, `/v1/quote?model=${encodeURIComponent(model)}`, { timeoutMs: 3000 });
    return BigInt(q.providerId);
  } catch {
    return undefined;
  }
}

/**
 * Plans (and with `apply`, sends) the deactivations for `wallet`'s active providers.
 * @example
 * const actions = await cleanupProviders(chain, { apply: true });
 */
export async function cleanupProviders(chain: ClientChain, o: { wallet?: Address; apply?: boolean; probeTimeoutMs?: number } = {}): Promise<CleanupAction[]> {
  const owner = o.wallet ?? requireWallet(chain, "Cleaning up providers").address;
  const mine = (await providersOfWallet(chain, owner)).filter((p) => p.active);
  const checked = await Promise.all(mine.map(async (p) => ({ p, health: await probeHealth(p.endpoint, o.probeTimeoutMs ?? 3000), served: await servedId(p.endpoint, p.model) })));
  const actions: CleanupAction[] = [];
  for (const c of checked) {
    if (!c.health.ok) actions.push({ id: c.p.id, model: c.p.model, endpoint: c.p.endpoint, reason: "dead-endpoint", detail: c.health.detail ?? "no answer" });
  }
  const alive = checked.filter((c) => c.health.ok);
  for (const model of new Set(alive.map((c) => c.p.model))) {
    const same = alive.filter((c) => c.p.model === model);
    if (same.length < 2) continue;
    // Keep the entry a live runtime answers for; failing that, the newest registration.
    const keep = same.find((c) => c.served === c.p.id) ?? same.reduce((a, b) => (b.p.id > a.p.id ? b : a));
    for (const c of same) {
      if (c === keep) continue;
      actions.push({ id: c.p.id, model, endpoint: c.p.endpoint, reason: "duplicate", detail: `provider #${keep.p.id} serves ${model} for this wallet` });
    }
  }
  if (o.apply) {
    for (const a of actions) a.txHash = (await updateProvider(chain, a.id, { active: false })).txHash ?? undefined;
  }
  return actions;
}
