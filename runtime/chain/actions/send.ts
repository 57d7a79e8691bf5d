/**
 * How every write action sends: the action simulates its call against the pending block (a revert
 * is reported before any gas is spent) and sends it; this waits for the receipt with the configured
 * confirmations and retries transient RPC failures with backoff. A revert is never retried, and once
 * a hash exists nothing is resent blindly (no double settle). Errors go through chainError.
 */
import type { Hash, TransactionReceipt } from "viem";
import { ClawError } from "../../core/errors.ts";
import type { ChainClients } from "../client.ts";
import { chainError, isTransientChainError } from "../errors.ts";

export type WriteOptions = {
  /** Blocks to wait for after inclusion (default 1). */
  confirmations?: number;
  /** Tries when the node cannot be reached before a hash exists (default 4). */
  attempts?: number;
  /** Called once the transaction is sent, before its receipt. */
  onSent?: (hash: Hash) => void;
};

export type Written = { hash: Hash; receipt: TransactionReceipt };

/**
 * @example
 * await submitWrite(clients, "StreamPay.settle(7)", async () => {
 *   const { request } = await clients.publicClient.simulateContract({ ... });
 *   return clients.walletClient.writeContract(request);
 * });
 */
export async function submitWrite(clients: Pick<ChainClients, "publicClient">, what: string, send: () => Promise<Hash>, o: WriteOptions = {}): Promise<Written> {
  const attempts = o.attempts ?? 4;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    let hash: Hash | undefined;
    try {
      hash = await send();
      o.onSent?.(hash);
      const receipt = await clients.publicClient.waitForTransactionReceipt({ hash, confirmations: Math.max(1, o.confirmations ?? 1), timeout: 120_000 });
      if (receipt.status !== "success") throw new ClawError("CHAIN_TX_FAILED", { message: `${what}: transaction ${hash} reverted.` });
      return { hash, receipt };
    } catch (err) {
      lastError = err;
      if (hash !== undefined || !isTransientChainError(err) || attempt === attempts - 1) break;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
  throw chainError(lastError, what);
}
