/**
 * Discovery: the active providers of exactly one model, cheapest first (ties: lower latency when
 * probed, then the older id). The optional probe calls each endpoint's GET /health in parallel and
 * drops the ones that do not answer ok in time.
 */
import { ClawError } from "../core/errors.ts";
import type { ClientChain } from "./chain.ts";
import { joinUrl } from "./provider-http.ts";
import { providersOfModel } from "./registry.ts";
import type { ProviderInfo } from "./types.ts";

export type DiscoverOptions = {
  /** Probe each endpoint's /health and drop unhealthy ones (default false). */
  probe?: boolean;
  /** Per-endpoint probe timeout (default 2000 ms). */
  probeTimeoutMs?: number;
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
 * The active providers of `model`, cheapest first. Throws NO_PROVIDER when none is left.
 *
 * @example
 * const [best] = await discover(chain, "llama-3.3-70b-versatile", { probe: true });
 */
export async function discover(chain: ClientChain, model: string, o: DiscoverOptions = {}): Promise<ProviderInfo[]> {
  const all = await providersOfModel(chain, model);
  let found = all.filter((p) => p.active && p.model === model);
  if (o.probe) {
    const probed = await Promise.all(found.map(async (p) => ({ ...p, health: await probeHealth(p.endpoint, o.probeTimeoutMs) })));
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
  return found.sort(byPrice);
}
