/**
 * GET /v1/models for the market: one entry per model served by an active registry provider, with its
 * best price, how many providers sell it and what kind of work it is (text, image, audio).
 */
import type { ClientChain } from "./chain.ts";
import { activeProviders } from "./registry.ts";
import type { ProviderInfo } from "./types.ts";

const kinds = ["text", "image", "audio"] as const;

export type MarketModel = {
  id: string; object: "model"; created: number; owned_by: string;
  claw: { pricePerSecond: string; providers: number; kind: string; providerIds: string[] };
};

/** Groups providers into model entries, cheapest price first within each. Pure. */
export function marketModels(providers: readonly ProviderInfo[]): MarketModel[] {
  const byModel = new Map<string, ProviderInfo[]>();
  for (const p of providers) if (p.active) byModel.set(p.model, [...(byModel.get(p.model) ?? []), p]);
  return [...byModel.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, ps]) => {
      const sorted = [...ps].sort((a, b) => (a.pricePerSecond < b.pricePerSecond ? -1 : a.pricePerSecond > b.pricePerSecond ? 1 : 0));
      const best = sorted[0]!;
      return {
        id, object: "model", created: Number(best.registeredAt), owned_by: "clawcompute-market",
        claw: { pricePerSecond: best.pricePerSecond.toString(), providers: ps.length, kind: kinds[best.serviceType] ?? "text", providerIds: sorted.map((p) => p.id.toString()) },
      };
    });
}

/** The OpenAI models list of the market. */
export async function listMarketModels(chain: ClientChain): Promise<{ object: "list"; data: MarketModel[] }> {
  return { object: "list", data: marketModels(await activeProviders(chain)) };
}
