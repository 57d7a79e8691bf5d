/**
 * The market for the fault runs: an echo offering (for the chain outage) and one offering per fake
 * backend (OpenAI-compatible, Ollama, TGI), each with its own funded stream.
 */
import { createSessionSigner, type PaymentSigner } from "../../runtime/client/payment-signer.ts";
import { fakeOfferings, startFakes, type Fakes } from "./backend-faults.ts";
import { startReliabilityMarket, type ReliabilityMarket } from "./market.ts";

export type FaultsMarket = { m: ReliabilityMarket; fakes: Fakes; streams: Record<string, { streamId: bigint; signer: PaymentSigner }>; close(): Promise<void> };

/**
 * @example
 * const f = await startFaultsMarket(1_000_000n); ... await f.close();
 */
export async function startFaultsMarket(price: bigint): Promise<FaultsMarket> {
  const fakes = await startFakes();
  const m = await startReliabilityMarket({
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 200 }, pricePerSecond: price }, ...fakeOfferings(fakes, price)],
    settlement: { idleSeconds: 3, minJobMs: 100 },
  });
  await m.startRuntime();
  const consumer = m.account(4);
  const streams: FaultsMarket["streams"] = {};
  for (const o of m.runtime.offerings) {
    if (o.model === "echo-1") continue;
    const { streamId } = await m.openStream(consumer, { deposit: price * 100_000n, duration: 100_000n, providerId: o.providerId });
    streams[o.model] = { streamId, signer: await createSessionSigner({ account: consumer, domain: m.domain, streamId, ttlSeconds: 86_400 }) };
  }
  return {
    m, fakes, streams,
    async close() {
      await m.close();
      await fakes.close();
    },
  };
}
