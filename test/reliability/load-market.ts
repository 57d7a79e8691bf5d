/**
 * The market for sustained load: one echo offering (a few milliseconds per job, so every job costs
 * something) with room for many concurrent jobs, and funded streams from several consumers.
 */
import { startReliabilityMarket, type ReliabilityMarket } from "./market.ts";

export type LoadMarket = { m: ReliabilityMarket; streams: Array<{ streamId: bigint; ownerIndex: number }> };

/**
 * @example
 * const { m, streams } = await startLoadMarket(1_000_000n, 4);
 */
export async function startLoadMarket(price: bigint, streamCount: number): Promise<LoadMarket> {
  const m = await startReliabilityMarket({
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 1000 }, pricePerSecond: price, concurrency: 64, maxQueue: 4096, maxJobSeconds: 5 }],
    settlement: { idleSeconds: 3, minJobMs: 10 },
  });
  await m.startRuntime();
  const providerId = m.runtime.offerings[0]!.providerId;
  const streams: LoadMarket["streams"] = [];
  for (let i = 0; i < streamCount; i++) {
    const ownerIndex = 2 + (i % 8);
    const { streamId } = await m.openStream(m.account(ownerIndex), { deposit: price * 10_000_000n, duration: 10_000_000n, providerId });
    streams.push({ streamId, ownerIndex });
  }
  return { m, streams };
}
