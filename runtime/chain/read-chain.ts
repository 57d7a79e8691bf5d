/**
 * The audit's view of the chain, behind an interface so that reconciliation is unit-testable with
 * an in-memory reader and runs against a real node with the viem one.
 */
import type { Address, PublicClient } from "viem";
import type { ChainProvider, ChainStream } from "../core/reconcile.ts";
import { readProvider } from "./read-provider.ts";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import { chainReadError } from "./read-errors.ts";
import { readStream } from "./read-stream.ts";

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
export function createChainReader(o: { publicClient: PublicClient; contracts: { streamPay: Address; registry: Address }; label?: string }): AuditChainReader {
  return {
    describe: () => o.label ?? `StreamPay ${o.contracts.streamPay}, ComputeRegistry ${o.contracts.registry}`,
    stream: (id) => readStream(o.publicClient, o.contracts.streamPay, id),
    provider: (id) => readProvider(o.publicClient, o.contracts.registry, id),
    claimable: async (account) => {
      try {
        return await o.publicClient.readContract({ address: o.contracts.streamPay, abi: streamPayAbi, functionName: "claimable", args: [account as Address] });
      } catch (err) {
        throw chainReadError(err, `StreamPay ${o.contracts.streamPay}.claimable(${account})`);
      }
    },
  };
}
