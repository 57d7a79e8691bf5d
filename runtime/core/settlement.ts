/**
 * Settlement timing. Pure. A stream the runtime served is settled for its metered total when
 * - it is closed to new jobs (cancelled / settled seen, or closed by the settle route), or
 * - it cannot pay for another minimum job (spent), or
 * - it has been idle (no job holding a slot) for `idleMs`, or
 * - it is near its end: `now >= end − endMarginMs`. Admission never lets a reservation reach past
 *   that instant, so no job is running then and the settlement lands before the stream expires
 *   (otherwise any keeper's batchUpdateStreams would pay the provider the whole deposit).
 * Never while a job holds a slot (its cost is not known yet), never twice, never during a back-off.
 *
 * StreamPay accepts `amount <= streamed so far`; `settleableAtSeconds` says when that holds.
 */
export type SettlementInput = {
  nowMs: number;
  budget: { deposit: bigint; metered: bigint; activeJobs: number; closed: boolean; lastActivityMs: number; endMs?: number };
  idleMs: number;
  endMarginMs: number;
  /** The cost of a minimum job at this stream's price. */
  minJobCost: bigint;
  settledOrInflight: boolean;
  notBeforeMs: number;
};

export type SettlementDecision = { kind: "none"; why: string } | { kind: "settle"; amount: bigint; reason: "closed" | "spent" | "idle" | "near-end" };

/**
 * @example
 * decideSettlement({ nowMs, budget, idleMs: 30_000, endMarginMs: 5_000, minJobCost: 100n, settledOrInflight: false, notBeforeMs: 0 })
 */
export function decideSettlement(i: SettlementInput): SettlementDecision {
  const b = i.budget;
  if (i.settledOrInflight) return { kind: "none", why: "settled or being settled" };
  if (b.activeJobs > 0) return { kind: "none", why: "a job holds a slot" };
  if (i.notBeforeMs > i.nowMs) return { kind: "none", why: "backing off" };
  const settle = (reason: "closed" | "spent" | "idle" | "near-end"): SettlementDecision => ({ kind: "settle", amount: b.metered, reason });
  if (b.closed) return settle("closed");
  if (b.deposit - b.metered < i.minJobCost) return settle("spent");
  if (b.endMs !== undefined && i.nowMs >= b.endMs - i.endMarginMs) return settle("near-end");
  if (i.nowMs - b.lastActivityMs >= i.idleMs) return settle("idle");
  return { kind: "none", why: "active" };
}

/**
 * The first chain timestamp (unix s) at which `amount` has streamed: the smallest t with
 * floor(deposit × (t − start) / duration) >= amount. Amounts above the deposit never stream.
 * @example
 * settleableAtSeconds(50n, { deposit: 100n, startTime: 1000n, duration: 10n }) // 1005n
 */
export function settleableAtSeconds(amount: bigint, s: { deposit: bigint; startTime: bigint; duration: bigint }): bigint | null {
  if (amount > s.deposit) return null;
  if (amount <= 0n || s.deposit === 0n) return s.startTime;
  return s.startTime + (amount * s.duration + s.deposit - 1n) / s.deposit;
}
