/**
 * Routing away from faulty providers. Each provider fault (./faults.ts) puts the provider on an
 * avoid list for `avoidMs` (default 300 s, `avoidFaultySeconds` / `--avoid-faulty-seconds`), counted
 * from its latest fault.
 *
 * The rule: while avoided, a provider is tried only after every provider of the model that is not
 * avoided (in their usual order, cheapest first) — so it is skipped whenever another one is left, and
 * a model served only by faulty providers is still served (the least recently faulted first) rather
 * than refused. Every answer stays bounded and checked, so trying a faulty provider again is safe.
 *
 * The book also keeps each provider's record for status: faults by kind, the last fault, answers
 * served and the gateway-measured time to first token (p50 of the last 200).
 */
import type { ProviderFault } from "./faults.ts";

export const DEFAULT_AVOID_FAULTY_SECONDS = 300;
const TTFT_SAMPLES = 200;

export type ProviderRecord = {
  answers: number;
  faults: Record<string, number>;
  lastFault?: ProviderFault;
  /** Until when (ms) the provider is avoided; 0 when it is not. */
  avoidUntil: number;
  ttft: number[];
};

/** The median of `xs` (the lower middle for an even count); undefined when empty. Pure. */
export function p50(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export type FaultBook = ReturnType<typeof createFaultBook>;

/**
 * @example
 * const book = createFaultBook({ avoidMs: 300_000 });
 * book.record(providerFault(3n, "oversized-answer", "sent 1 GB"));
 * book.route(providers) // provider 3 last while avoided
 */
export function createFaultBook(o: { avoidMs?: number; now?: () => number } = {}) {
  const avoidMs = o.avoidMs ?? DEFAULT_AVOID_FAULTY_SECONDS * 1000;
  const now = o.now ?? Date.now;
  const records = new Map<bigint, ProviderRecord>();
  const recordOf = (id: bigint): ProviderRecord => {
    let r = records.get(id);
    if (!r) {
      r = { answers: 0, faults: {}, avoidUntil: 0, ttft: [] };
      records.set(id, r);
      // Bounded: the oldest provider's record goes first (a market may list many).
      if (records.size > 10_000) records.delete(records.keys().next().value!);
    }
    return r;
  };

  return {
    avoidMs,
    /** A fault: counted, and the provider avoided until `f.at + avoidMs`. */
    record(f: ProviderFault): void {
      const r = recordOf(f.providerId);
      r.faults[f.kind] = (r.faults[f.kind] ?? 0) + 1;
      if (!r.lastFault || f.at >= r.lastFault.at) r.lastFault = f;
      r.avoidUntil = Math.max(r.avoidUntil, f.at + avoidMs);
    },
    /** An answer delivered, with the time to its first token when measured. */
    answered(providerId: bigint, ttftMs?: number): void {
      const r = recordOf(providerId);
      r.answers += 1;
      if (ttftMs !== undefined && Number.isFinite(ttftMs)) {
        r.ttft.push(ttftMs);
        if (r.ttft.length > TTFT_SAMPLES) r.ttft.shift();
      }
    },
    avoided(providerId: bigint, at = now()): boolean {
      return (records.get(providerId)?.avoidUntil ?? 0) > at;
    },
    /** The candidates in the order to try them: not avoided first (order kept), then avoided, least recently faulted first. */
    route<P extends { id: bigint }>(candidates: readonly P[], at = now()): P[] {
      const ok = candidates.filter((p) => !this.avoided(p.id, at));
      const avoided = candidates.filter((p) => this.avoided(p.id, at));
      avoided.sort((a, b) => (records.get(a.id)?.avoidUntil ?? 0) - (records.get(b.id)?.avoidUntil ?? 0));
      return [...ok, ...avoided];
    },
    get(providerId: bigint): ProviderRecord | undefined {
      return records.get(providerId);
    },
    all(): ReadonlyMap<bigint, ProviderRecord> {
      return records;
    },
  };
}
