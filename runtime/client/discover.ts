/**
 * Discovery: the active providers of exactly one model, ranked by price and on-chain reputation
 * (./rank.ts: effective price = price / quality; ties: price, lower latency when probed, the older
 * id). Reputations are read for the 256 cheapest (32 reads at a time; the rest rank as unrated).
 * The optional probe calls the endpoints' GET /health in rank order, 32 at a time until a round
 * finds a healthy one (at most 256), and drops the ones that do not answer ok in time: bounded
 * work however many entries a spammer lists.
 */
import { ClawError } from "../core/errors.ts";
import type { ClientChain } from "./chain.ts";
import { joinUrl } from "./provider-http.ts";
import { rankProviders } from "./rank.ts";
import { providersOfModel, reputationsOf } from "./registry.ts";
import type { ProviderInfo } from "./types.ts";

export type DiscoverOptions = {
  /** Probe each endpoint's /health and drop unhealthy ones (default false). */
  probe?: boolean;
  /** Per-endpoint probe timeout (default 2000 ms). */
  probeTimeoutMs?: number;
  /** Probes run cheapest first, this many at a time (default 32), until a round finds a healthy one... */
  probeBatch?: number;
  /** ...or this many were probed (default 256): junk registrations must not make a client open thousands of sockets. */
  maxProbes?: number;
  /** Read the on-chain reputation of this many (cheapest first; default 256, 0 = rank by price alone). */
  maxReputations?: number;
};

/** GET {endpoint}/health: ok when it answers 2xx in time; latency is the round trip in ms. */
export async function probeHealth(endpoint: string, timeoutMs = 2000): Promise<NonNullable<ProviderInfo["health"]>> {
  const started = performance.now();
  try {
    const res = await fetch(joinUrl(endpoint, "/health"), { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return res.ok ? { ok: true, latencyMs } : { ok: false, latencyMs, detail: `HTTP ${res.status}` };
  } catch (err) {
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return { ok: false, latencyMs, detail: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err) };
  }
}

/** Cheapest first; among equal prices the faster probe, then the lower id. Pure. */
export function byPrice(a: ProviderInfo, b: ProviderInfo): number {
  if (a.pricePerSecond !== b.pricePerSecond) return a.pricePerSecond < b.pricePerSecond ? -1 : 1;
  const la = a.health?.latencyMs ?? 0;
  const lb = b.health?.latencyMs ?? 0;
  if (la !== lb) return la - lb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The active providers of `model`, best effective price first (./rank.ts). Throws NO_PROVIDER when none is left.
 *
 * @example
 * const [best] = await discover(chain, "llama-3.3-70b-versatile", { probe: true });
 */
export async function discover(chain: ClientChain, model: string, o: DiscoverOptions = {}): Promise<ProviderInfo[]> {
  const all = await providersOfModel(chain, model);
  let found = await reputationsOf(chain, all.filter((p) => p.active && p.model === model).sort(byPrice), o.maxReputations ?? 256);
  found = rankProviders(found);
  if (o.probe) {
    const candidates = found.slice(0, Math.max(1, o.maxProbes ?? 256));
    const batch = Math.max(1, o.probeBatch ?? 32);
    const probed: Array<ProviderInfo & { health: NonNullable<ProviderInfo["health"]> }> = [];
    for (let i = 0; i < candidates.length && !probed.some((p) => p.health.ok); i += batch) {
      probed.push(...await Promise.all(candidates.slice(i, i + batch).map(async (p) => ({ ...p, health: await probeHealth(p.endpoint, o.probeTimeoutMs) }))));
    }
    const healthy = probed.filter((p) => p.health.ok);
    if (healthy.length === 0 && probed.length > 0) {
      throw new ClawError("NO_PROVIDER", {
        message: `No provider of model "${model}" answers its health check (${probed.map((p) => `#${p.id} ${p.endpoint}: ${p.health.detail}`).join("; ")}).`,
        details: { model, unhealthy: probed.map((p) => ({ id: p.id.toString(), endpoint: p.endpoint, detail: p.health.detail })) },
      });
    }
    found = healthy;
  }
  if (found.length === 0) {
    throw new ClawError("NO_PROVIDER", { message: `No active provider serves model "${model}" on chain ${chain.chainId}.`, details: { model } });
  }
  return rankProviders(found);
}
