/**
 * What one answered request counts as, from the provider's reported billing. Pure.
 *
 * A reported cost can only LOWER the estimate of a request (its worst case, price × its time cap,
 * reserved on the stream while it ran), never raise it: a cost that is negative, above the worst case,
 * or billed to another stream is refused, counted at the worst case, and is the provider's fault.
 * A missing billing (a cut answer, a format without one) counts at the worst case, without a fault.
 * None of this moves the spending limits, which count deposits and what the chain paid (chain-spend.ts).
 */
import { providerFault, type ProviderFault } from "./faults.ts";
import type { JobBilling } from "./types.ts";

export type BillingJudgement = { counted: bigint; fault?: ProviderFault };

/**
 * @example
 * judgeBilling({ jobId: "j", streamId: 7n, meteredMs: 10, cost: -5n, pricePerSecond: 1n }, { providerId: 2n, streamId: 7n, worstCase: 120n })
 * // { counted: 120n, fault: { kind: "cost-negative", ... } }
 */
export function judgeBilling(b: JobBilling | undefined, r: { providerId: bigint; streamId: bigint; worstCase: bigint }, at = Date.now()): BillingJudgement {
  if (!b) return { counted: r.worstCase };
  const job = `job ${b.jobId.slice(0, 100)}`;
  if (b.streamId !== r.streamId) {
    return { counted: r.worstCase, fault: providerFault(r.providerId, "billing-malformed", `${job} was billed to stream ${b.streamId}, not the stream ${r.streamId} that paid for it.`, at) };
  }
  if (b.cost < 0n) {
    return { counted: r.worstCase, fault: providerFault(r.providerId, "cost-negative", `${job} on stream ${r.streamId} reported a negative cost (${b.cost} wei); counted at its worst case ${r.worstCase} wei.`, at) };
  }
  if (b.cost > r.worstCase) {
    return {
      counted: r.worstCase,
      fault: providerFault(r.providerId, "cost-above-worst-case", `${job} on stream ${r.streamId} reported ${b.cost} wei, above its worst case ${r.worstCase} wei (price × time cap).`, at),
    };
  }
  return { counted: b.cost };
}
