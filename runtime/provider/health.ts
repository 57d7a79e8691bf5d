/** GET /health: the chain (node answers, watcher current), the store, and each backend's own check. */
import type { ChainClients } from "../chain/client.ts";
import type { ChainWatcher } from "../chain/watcher.ts";
import type { HealthReport, ServedOffering } from "../server/context.ts";
import type { EventStore } from "../store/types.ts";

const CHECK_TIMEOUT_MS = 2_000;

export async function healthCheck(d: { chainId: number; clients: ChainClients; watcher: ChainWatcher; store: EventStore; offerings: ServedOffering[] }): Promise<HealthReport> {
  const chain: HealthReport["chain"] = { ok: false, chainId: d.chainId };
  try {
    const block = await d.clients.fastReadClient.getBlockNumber({ cacheTime: 0 });
    chain.ok = d.watcher.healthy;
    chain.blockNumber = block.toString();
    if (!d.watcher.healthy) chain.detail = "the chain watcher is behind; it retries";
  } catch (err) {
    chain.detail = `the chain node cannot be reached: ${(err as Error).message.split("\n")[0]}`;
  }
  const store: HealthReport["store"] = { ok: true, position: 0 };
  try {
    store.position = d.store.lastPosition();
  } catch (err) {
    store.ok = false;
    store.detail = (err as Error).message;
  }
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
  return { ok: chain.ok && store.ok && Object.values(backends).every((b) => b.ok), chain, store, backends };
}
