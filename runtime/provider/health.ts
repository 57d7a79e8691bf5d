/**
 * GET /health: the chain (node answers, watcher current), the store (its driver), each backend's own
 * check, and this instance's leader roles (which of a provider's instances settles and watches).
 */
import type { ChainClients } from "../chain/client.ts";
import type { ChainWatcher } from "../chain/watcher.ts";
import type { HealthReport, ServedOffering } from "../server/context.ts";
import type { StoreHealth } from "./runtime-store.ts";

const CHECK_TIMEOUT_MS = 2_000;

export type HealthDeps = {
  chainId: number; clients: ChainClients; watcher: ChainWatcher; offerings: ServedOffering[];
  store: { health(): StoreHealth };
  /** `ready()`: false until the runtime has registered its offerings and caught up (a load balancer waits for it). */
  instance: { id: string; ready(): boolean; roles(): { settler: boolean; watcher: boolean } };
};

export async function healthCheck(d: HealthDeps): Promise<HealthReport> {
  const chain: HealthReport["chain"] = { ok: false, chainId: d.chainId };
  try {
    const block = await d.clients.fastReadClient.getBlockNumber({ cacheTime: 0 });
    chain.ok = d.watcher.healthy;
    chain.blockNumber = block.toString();
    if (!d.watcher.healthy) chain.detail = "the chain watcher is behind; it retries";
  } catch (err) {
    chain.detail = `the chain node cannot be reached: ${(err as Error).message.split("\n")[0]}`;
  }
  const store: HealthReport["store"] = d.store.health();
  const backends: HealthReport["backends"] = {};
  await Promise.all(
    d.offerings.map(async (o) => {
      try {
        backends[o.model] = await o.backend.health(AbortSignal.timeout(CHECK_TIMEOUT_MS));
      } catch (err) {
        backends[o.model] = { ok: false, detail: (err as Error).message };
      }
    }),
  );
  const ready = d.instance.ready();
  return {
    ok: ready && chain.ok && store.ok && Object.values(backends).every((b) => b.ok), chain, store, backends,
    instance: { id: d.instance.id, ready, roles: d.instance.roles() },
  };
}
