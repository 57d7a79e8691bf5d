/** The EIP-712 type of a job receipt and its TypeScript shape (core/receipt.ts explains the fields). */
import type { Hex } from "viem";

export const receiptTypes = {
  JobReceipt: [
    { name: "streamId", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "requestHash", type: "bytes32" },
    { name: "jobId", type: "string" },
    { name: "model", type: "string" },
    { name: "meteredMs", type: "uint64" },
    { name: "cost", type: "uint256" },
    { name: "cumulativeCost", type: "uint256" },
    { name: "ttftMs", type: "uint64" },
    { name: "outputHash", type: "bytes32" },
  ],
} as const;

export type JobReceipt = {
  streamId: bigint;
  nonce: bigint;
  requestHash: Hex;
  jobId: string;
  model: string;
  meteredMs: bigint;
  cost: bigint;
  cumulativeCost: bigint;
  ttftMs: bigint;
  outputHash: Hex;
};
