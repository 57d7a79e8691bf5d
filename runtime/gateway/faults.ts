/**
 * The gateway's record of each provider, from its log: the faults it was caught at (ProviderFaulted)
 * and its answers with the gateway-measured time to first token (ReceiptKept). Replayed at start into
 * the fault book the paying fetch routes with (so a provider faulted before a restart stays avoided
 * for the rest of its time) and by `claw gateway status` (so the record is there after the gateway stopped).
 */
import type { StoredEvent } from "../core/events.ts";
import { createFaultBook, p50, type FaultBook } from "../client/faults-routing.ts";
import { providerFault, type ProviderFaultKind } from "../client/faults.ts";
import type { EventStore } from "../store/index.ts";

/** Folds one event into the book (faults and answers only). */
export function foldFault(book: FaultBook, e: StoredEvent): FaultBook {
  if (e.type === "ProviderFaulted") book.record(providerFault(e.data.providerId, e.data.kind as ProviderFaultKind, e.data.detail, e.time));
  else if (e.type === "ReceiptKept") book.answered(e.data.providerId, e.data.measuredTtftMs);
  return book;
}

/**
 * @example
 * const book = faultBookFromLog(log.store, 300_000); // then createPayingFetch({ ..., faultBook: book })
 */
export function faultBookFromLog(store: Pick<EventStore, "replay">, avoidMs?: number): FaultBook {
  return store.replay(foldFault, createFaultBook(avoidMs === undefined ? {} : { avoidMs }));
}

/** One provider as `claw gateway status --json` shows it (`requests` and `spent` come from the paid requests). */
export type ProviderStatus = {
  requests: number;
  spent: string;
  faults: Record<string, number>;
  faultCount: number;
  lastFault: { kind: string; detail: string; at: string } | null;
  avoidedUntil: string | null;
  /** p50 of the gateway-measured time to first token over its last answers with a verified receipt. */
  ttftP50Ms: number | null;
  answersWithReceipt: number;
};

/** Every provider the gateway paid or caught at a fault. Pure. */
export function providerStatus(byProvider: ReadonlyMap<string, { requests: number; spent: bigint }>, book: FaultBook, now = Date.now()): Record<string, ProviderStatus> {
  const ids = new Set<string>([...byProvider.keys(), ...[...book.all().keys()].map(String)]);
  const out: Record<string, ProviderStatus> = {};
  for (const id of [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))) {
    const paid = byProvider.get(id);
    const r = book.get(BigInt(id));
    const faults = { ...(r?.faults ?? {}) } as Partial<Record<ProviderFaultKind, number>> as Record<string, number>;
    out[id] = {
      requests: paid?.requests ?? 0, spent: (paid?.spent ?? 0n).toString(),
      faults, faultCount: Object.values(faults).reduce((t, n) => t + n, 0),
      lastFault: r?.lastFault ? { kind: r.lastFault.kind, detail: r.lastFault.detail, at: new Date(r.lastFault.at).toISOString() } : null,
      avoidedUntil: r && r.avoidUntil > now ? new Date(r.avoidUntil).toISOString() : null,
      ttftP50Ms: r ? (p50(r.ttft) ?? null) : null,
      answersWithReceipt: r?.answers ?? 0,
    };
  }
  return out;
}
