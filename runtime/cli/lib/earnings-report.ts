/**
 * The provider's earnings summary, from the log's projections. Pure.
 * - earned: the metered cost of every ended job (what the runtime charged or will charge);
 * - settled: what the chain's StreamSettled events say was charged;
 * - received: everything the chain paid this provider (settle, cancel, withdrawals, keeper batches);
 * - pending: metered on streams still open (the next settlements).
 */
import type { Projections } from "../../core/projections/index.ts";
import type { StreamStatus } from "../../core/stream.ts";

export type EarningsReport = {
  store: string;
  events: number;
  jobs: number;
  failedJobs: number;
  meteredMs: bigint;
  earned: bigint;
  settled: bigint;
  received: bigint;
  pending: bigint;
  refundedToConsumers: bigint;
  /** Streams by status (the contract's names; "none": jobs seen but not the stream's opening). */
  streams: Record<StreamStatus, number>;
  byOffering: Record<string, { jobs: number; failed: number; meteredMs: bigint; earned: bigint }>;
  byDay: Record<string, { jobs: number; earned: bigint; settled: bigint }>;
  rejections: Record<string, number>;
};

/**
 * @example
 * earningsReport(store.replay(evolveProjections, initialProjections()), ".claw/events.db").earned
 */
export function earningsReport(p: Projections, store: string): EarningsReport {
  const streams: Record<StreamStatus, number> = { none: 0, active: 0, settled: 0, cancelled: 0, depleted: 0 };
  let received = 0n;
  let pending = 0n;
  let refunded = 0n;
  for (const s of p.streams.values()) {
    streams[s.status] += 1;
    received += s.paidToRecipient;
    refunded += s.refunded;
    if (s.status === "active" || (s.status === "none" && s.jobs > 0)) pending += s.metered - s.paidToRecipient > 0n ? s.metered - s.paidToRecipient : 0n;
  }
  return {
    store, events: p.events,
    jobs: p.earnings.total.jobs, failedJobs: p.earnings.total.failed, meteredMs: p.earnings.total.meteredMs, earned: p.earnings.total.earned,
    settled: p.earnings.settled, received, pending, refundedToConsumers: refunded, streams,
    byOffering: Object.fromEntries([...p.earnings.byOffering].map(([k, b]) => [k, { jobs: b.jobs, failed: b.failed, meteredMs: b.meteredMs, earned: b.earned }])),
    byDay: Object.fromEntries([...p.earnings.byDay].map(([k, d]) => [k, { jobs: d.jobs, earned: d.earned, settled: d.settled }])),
    rejections: Object.fromEntries(p.rejections),
  };
}
