/**
 * Per registry offering (provider id): its registration as the chain last said, and the
 * completions the registry recorded for it (what `claw audit` compares with the registry).
 */
import type { StoredEvent } from "../events.ts";

export interface ProviderView {
  providerId: bigint;
  wallet: string | null;
  model: string | null;
  pricePerSecond: bigint | null;
  endpoint: string | null;
  active: boolean;
  /** Count and sum of CompletionRecorded events seen. */
  completions: number;
  completionEarned: bigint;
  /** The registry's running totals as of the last CompletionRecorded. */
  completedJobs: bigint | null;
  totalEarned: bigint | null;
}

const blank = (providerId: bigint): ProviderView => ({
  providerId, wallet: null, model: null, pricePerSecond: null, endpoint: null, active: false,
  completions: 0, completionEarned: 0n, completedJobs: null, totalEarned: null,
});

/**
 * @example
 * const providers = store.replay(evolveProviders, new Map());
 */
export function evolveProviders(m: Map<bigint, ProviderView>, e: StoredEvent): Map<bigint, ProviderView> {
  switch (e.type) {
    case "ProviderRegistered": {
      const d = e.data;
      m.set(d.providerId, { ...(m.get(d.providerId) ?? blank(d.providerId)), wallet: d.wallet, model: d.model,
        pricePerSecond: d.pricePerSecond, endpoint: d.endpoint, active: true });
      return m;
    }
    case "ProviderUpdated": {
      const d = e.data;
      m.set(d.providerId, { ...(m.get(d.providerId) ?? blank(d.providerId)), wallet: d.wallet, pricePerSecond: d.pricePerSecond,
        endpoint: d.endpoint, active: d.active });
      return m;
    }
    case "CompletionRecorded": {
      const d = e.data;
      const p = m.get(d.providerId) ?? blank(d.providerId);
      m.set(d.providerId, { ...p, completions: p.completions + 1, completionEarned: p.completionEarned + d.earned,
        completedJobs: d.completedJobs, totalEarned: d.totalEarned });
      return m;
    }
    default:
      return m;
  }
}
