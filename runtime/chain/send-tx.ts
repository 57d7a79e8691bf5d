/**
 * Sends one contract write: simulate first (a revert is reported before any gas is spent), send,
 * await the receipt with the configured confirmations, retry transient RPC failures with backoff.
 * A revert is never retried. Errors are ClawError CHAIN_TX_FAILED / CHAIN_UNAVAILABLE with the cause.
 */
import { BaseError, ContractFunctionRevertedError, type Abi, type Address, type Hash, type TransactionReceipt } from "viem";
import { ClawError } from "../core/errors.ts";
import type { ChainClients } from "./client.ts";

export type WriteRequest = { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint };

function isTransient(err: unknown): boolean {
  const text = err instanceof BaseError ? `${err.name} ${err.shortMessage} ${err.details ?? ""}` : String(err);
  return /HttpRequestError|TimeoutError|fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|nonce too low|replacement transaction underpriced/i.test(text);
}

export function chainError(err: unknown, what: string): ClawError {
  if (err instanceof ClawError) return err;
  const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  if (revert instanceof ContractFunctionRevertedError) {
    const name = revert.data?.errorName ?? revert.reason ?? "revert";
    return new ClawError("CHAIN_TX_FAILED", { message: `${what} reverted: ${name}${revert.data?.args ? `(${revert.data.args.join(", ")})` : ""}.`, cause: err });
  }
  if (isTransient(err)) return new ClawError("CHAIN_UNAVAILABLE", { message: `${what}: the chain node cannot be reached.`, cause: err });
  const short = err instanceof BaseError ? err.shortMessage : (err as Error)?.message;
  return new ClawError("CHAIN_ERROR", { message: `${what} failed: ${short}`, cause: err });
}

/**
 * @example
 * const { hash, receipt } = await sendTx(clients, { address, abi: streamPayAbi, functionName: "settle", args: [7n, 1000n] });
 */
export async function sendTx(
  clients: ChainClients,
  req: WriteRequest,
  o: { confirmations?: number; attempts?: number; onSent?: (hash: Hash) => void } = {},
): Promise<{ hash: Hash; receipt: TransactionReceipt }> {
  const attempts = o.attempts ?? 4;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    let hash: Hash | undefined;
    try {
      // Simulated against the pending block: its timestamp is "now", which is what streamed amounts depend on.
      const { request } = await clients.publicClient.simulateContract({ ...req, account: clients.account, blockTag: "pending" } as never);
      hash = await clients.walletClient.writeContract(request as never);
      o.onSent?.(hash);
      const receipt = await clients.publicClient.waitForTransactionReceipt({ hash, confirmations: Math.max(1, o.confirmations ?? 1), timeout: 120_000 });
      if (receipt.status !== "success") throw new ClawError("CHAIN_TX_FAILED", { message: `${req.functionName} transaction ${hash} reverted.` });
      return { hash, receipt };
    } catch (err) {
      lastError = err;
      // Once a hash exists the transaction may still land: never resend blindly (no double settle).
      if (hash !== undefined || !isTransient(err) || attempt === attempts - 1) break;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
  throw chainError(lastError, req.functionName);
}
