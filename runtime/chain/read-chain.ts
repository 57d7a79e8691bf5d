/**
 * The audit's view of the chain, behind an interface so that reconciliation is unit-testable with
 * an in-memory reader and runs against a real node over the chain actions.
 */
import { getAddress, type Address } from "viem";
import type { ChainProvider, ChainStream } from "../core/reconcile.ts";
import { getClaimable } from "./actions/get-claimable.ts";
import { getProvider } from "./actions/get-provider.ts";
import { getStream } from "./actions/get-stream.ts";
import { getStreamedAmount } from "./actions/get-streamed-amount.ts";
import type { ReadClient } from "./client.ts";

export interface AuditChainReader {
  /** Where the reader reads, for the report. */
  describe(): string;
  stream(streamId: bigint): Promise<ChainStream>;
  provider(providerId: bigint): Promise<ChainProvider | null>;
  /** StreamPay.claimable(account): coin credited to it after a failed push (optional for in-memory readers). */
  claimable?(account: string): Promise<bigint>;
}

/**
 * @example
 * const reader = createChainReader({ publicClient, contracts: { streamPay, registry } });
 * await reader.stream(7n);
 */
export function createChainReader(o: { publicClient: ReadClient; contracts: { streamPay: Address; registry: Address }; label?: string }): AuditChainReader {
  const { streamPay, registry } = o.contracts;
  return {
    describe: () => o.label ?? `StreamPay ${streamPay}, ComputeRegistry ${registry}`,
    async stream(streamId) {
      const s = await getStream(o.publicClient, { streamPay, streamId });
      return s.status === "active" ? { ...s, streamedNow: await getStreamedAmount(o.publicClient, { streamPay, streamId }) } : s;
    },
    async provider(providerId) {
      const p = await getProvider(o.publicClient, { registry, providerId });
      return p && { providerId, wallet: p.wallet, completedJobs: p.completedJobs, totalEarned: p.totalEarned };
    },
    claimable: (account) => getClaimable(o.publicClient, { streamPay, account: getAddress(account) }),
  };
}
