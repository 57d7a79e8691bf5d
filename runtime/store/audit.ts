/**
 * `claw audit` without the printing: verify the hash chain, replay the log, read the chain for every
 * stream and provider the log involves (through an injected reader), reconcile.
 */
import { evolveProjections, initialProjections } from "../core/projections/index.ts";
import {
  auditTargets, creditWallets, emptyCreditLog, evolveCredits, reconcile, type ChainProvider, type ChainStream, type Reconciliation,
} from "../core/reconcile.ts";
import type { AuditChainReader } from "../chain/read-chain.ts";
import type { AsyncEventStore } from "./async-types.ts";
import type { EventStore, VerifyResult } from "./types.ts";

export interface AuditReport extends Reconciliation {
  /** No difference and an intact hash chain. */
  ok: boolean;
  log: { path: string; events: number; lastPosition: number; verify: VerifyResult };
  chain: string;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Works on the sync store and on the async one (SQLite or PostgreSQL); `location` names the log in
 * the report (default: the sync store's path, or the async store's location without a password).
 * @example
 * const report = await runAudit({ store: openStore({ path, readonly: true }), reader: createChainReader({...}) });
 * process.exitCode = report.ok ? 0 : 1;
 */
export async function runAudit(o: {
  store: EventStore | AsyncEventStore; reader: AuditChainReader; concurrency?: number; location?: string;
}): Promise<AuditReport> {
  const location = o.location ?? ("path" in o.store ? o.store.path : (await o.store.info()).location);
  const verify = await o.store.verify();
  const projections = await o.store.replay(evolveProjections, initialProjections());
  const { streamIds, providerIds } = auditTargets(projections);
  const limit = o.concurrency ?? 8;
  const streams = await mapLimit(streamIds, limit, (id) => o.reader.stream(id));
  const providers = await mapLimit(providerIds, limit, (id) => o.reader.provider(id));
  // Rule 8: deferred and claimed payments per wallet, next to StreamPay.claimable.
  const creditLog = await o.store.replay(evolveCredits, emptyCreditLog());
  const wallets = o.reader.claimable ? creditWallets(projections, streamIds) : [];
  const owed = await mapLimit(wallets, limit, (w) => o.reader.claimable!(w));
  const result = reconcile(projections, {
    streams: new Map<bigint, ChainStream>(streams.map((s) => [s.streamId, s])),
    providers: new Map<bigint, ChainProvider | null>(providerIds.map((id, i) => [id, providers[i] ?? null])),
  }, { log: creditLog, claimable: new Map(wallets.map((w, i) => [w, owed[i]!])) });
  return {
    ...result,
    ok: verify.ok && result.differences === 0,
    log: { path: location, events: projections.events, lastPosition: projections.position, verify },
    chain: o.reader.describe(),
  };
}
