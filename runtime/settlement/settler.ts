/**
 * Settles streams. When is core/settlement.ts's `decideSettlement`: closed, spent, idle for
 * `idleSeconds`, or near its end (now >= end − margin; admission never lets a job run past that
 * instant), and never while a job holds a slot. The runtime then closes it to new jobs and calls
 * `settle(streamId, metered total)` — the provider takes what it metered, the sender gets the rest —
 * before the stream can expire and a keeper's batchUpdateStreams pays the whole deposit.
 *
 * Never a double settle: a stream is settled by at most one in-flight attempt; before any retry the
 * stream is re-read on chain and a stream that is no longer Active is left alone. StreamPay only
 * accepts amount <= streamed so far; admission keeps metered within streamed (up to block-timestamp
 * granularity), and when it is not there yet the settlement waits for `settleableAtSeconds`.
 */
import type { Address } from "viem";
import { ClawError, isClawError } from "../core/errors.ts";
import { settlementFailed, settlementSubmitted, type NewEvent } from "../core/events.ts";
import { meteredCost } from "../core/money.ts";
import { decideSettlement, settleableAtSeconds } from "../core/settlement.ts";
import type { BudgetLedger } from "../scheduler/budget-ledger.ts";
import type { ChainClients } from "../chain/client.ts";
import { getStream } from "../chain/actions/get-stream.ts";
import { settleStream } from "../chain/actions/settle-stream.ts";

export type SettlerDeps = {
  clients: ChainClients;
  streamPay: Address;
  ledger: BudgetLedger;
  store: { append(e: NewEvent): unknown };
  idleSeconds: number;
  minJobMs: number;
  /** Settle this long before a stream's end (default: the ledger's admission margin). */
  endMarginMs?: number;
  minPrice: (streamId: bigint) => bigint;
  confirmations: number;
  tickMs?: number;
  onSettled?: (streamId: bigint, amount: bigint, txHash: string) => void;
  onError?: (streamId: bigint, err: unknown) => void;
  now?: () => number;
  /**
   * Several instances share the log: only the settler role's holder settles. Checked before each
   * tick and again right before the transaction is sent (default: always this runtime).
   */
  isLeader?: () => boolean;
  /**
   * Called when a stream looks due, before it is closed: brings this instance up to date with every
   * instance (the log, the database's slot count) and says whether it may still be settled.
   */
  beforeSettle?: (streamId: bigint) => Promise<boolean>;
  /** Called once the attempt that `beforeSettle` allowed is over (whatever its outcome). */
  afterSettle?: (streamId: bigint) => Promise<void>;
  /** The amount to settle (default: the ledger's metered total); on a shared log, the log's own total. */
  amountOf?: (streamId: bigint) => bigint;
};

export function createSettler(d: SettlerDeps) {
  const now = d.now ?? Date.now;
  const inflight = new Map<bigint, Promise<void>>();
  const settled = new Set<bigint>();
  const notBefore = new Map<bigint, number>();
  let timer: ReturnType<typeof setInterval> | undefined;

  const isLeader = d.isLeader ?? (() => true);

  function due(streamId: bigint, o: { inflightOk?: boolean } = {}): boolean {
    const s = d.ledger.get(streamId);
    if (!s) return false;
    return decideSettlement({
      nowMs: now(), budget: s, idleMs: d.idleSeconds * 1000, endMarginMs: d.endMarginMs ?? d.ledger.endMarginMs,
      minJobCost: meteredCost(BigInt(d.minJobMs), d.minPrice(streamId)),
      settledOrInflight: settled.has(streamId) || (!o.inflightOk && inflight.has(streamId)), notBeforeMs: notBefore.get(streamId) ?? 0,
    }).kind === "settle";
  }

  async function settle(streamId: bigint): Promise<void> {
    // Shared log: another instance's job may have started since the tick looked; look again once
    // this instance has caught up with all of them (and holds the stream's slots).
    if (!d.beforeSettle) return settleDue(streamId);
    if (!(await d.beforeSettle(streamId))) return;
    try {
      if (due(streamId, { inflightOk: true })) await settleDue(streamId);
    } finally {
      await d.afterSettle?.(streamId);
    }
  }

  async function settleDue(streamId: bigint): Promise<void> {
    d.ledger.close(streamId);
    const s = d.ledger.get(streamId);
    if (!s) return;
    const amount = d.amountOf ? d.amountOf(streamId) : s.metered;
    const onChain = await getStream(d.clients.publicClient, { streamPay: d.streamPay, streamId });
    if (onChain.status !== "active") {
      settled.add(streamId);
      return;
    }
    const block = await d.clients.publicClient.getBlock();
    // A quiet dev chain's latest block can be old; the settle tx lands in a block stamped about now.
    const chainNow = block.timestamp > BigInt(Math.floor(now() / 1000)) ? block.timestamp : BigInt(Math.floor(now() / 1000));
    const at = settleableAtSeconds(amount, onChain);
    if (at !== null && at > chainNow) {
      // Wait until the stream has streamed the metered amount (+1 s for the next block's timestamp).
      notBefore.set(streamId, now() + Number(at - chainNow + 1n) * 1000);
      return;
    }
    // Leader-only act: a settler that lost its role (its database session ended) sends nothing;
    // the new leader re-reads the stream on chain before it settles.
    if (!isLeader()) return;
    try {
      const { hash } = await settleStream(
        d.clients,
        { streamPay: d.streamPay, streamId, amount },
        { confirmations: d.confirmations, onSent: (h) => void d.store.append(settlementSubmitted({ streamId, amount, txHash: h })) },
      );
      settled.add(streamId);
      d.onSettled?.(streamId, amount, hash);
    } catch (err) {
      const e = isClawError(err) ? err : new ClawError("CHAIN_ERROR", { message: String(err), cause: err });
      d.store.append(settlementFailed({ streamId, amount, code: e.code, message: e.message }));
      notBefore.set(streamId, now() + 5_000);
      d.onError?.(streamId, err);
    }
  }

  function tick(): void {
    if (!isLeader()) return;
    for (const [streamId] of d.ledger.entries()) {
      if (!due(streamId)) continue;
      const p = settle(streamId)
        .catch((err) => {
          notBefore.set(streamId, now() + 5_000);
          d.onError?.(streamId, err);
        })
        .finally(() => inflight.delete(streamId));
      inflight.set(streamId, p);
    }
  }

  return {
    tick,
    /** Marks a stream as ended elsewhere (cancelled / settled seen by the watcher). */
    markEnded(streamId: bigint) {
      settled.add(streamId);
      d.ledger.close(streamId);
    },
    start() {
      timer = setInterval(tick, d.tickMs ?? 500);
    },
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.allSettled([...inflight.values()]);
    },
    isSettled: (streamId: bigint) => settled.has(streamId),
  };
}
