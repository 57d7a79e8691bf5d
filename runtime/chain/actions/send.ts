/**
 * How every write action sends: the action simulates its call against the pending block (a revert
 * is reported before any gas is spent) and sends it; this waits for the receipt with the configured
 * confirmations and retries transient RPC failures with backoff. A revert is never retried, and once
 * a hash exists nothing is resent blindly (no double settle). Errors go through chainError.
 */
import { encodeFunctionData, keccak256, type Abi, type Address, type Hash, type Hex, type TransactionReceipt } from "viem";
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
  /**
   * Called with the transaction's hash and nonce before it can exist on chain (a local account signs
   * here, then this runs, then the signed bytes are broadcast): when it throws, nothing is sent. Where
   * the account cannot sign locally (a JSON-RPC account), it runs right after the send instead, before
   * the receipt (a smaller window remains: a crash between the node accepting it and this hook), and
   * what it throws then is ignored (the transaction is out; the caller's next step decides).
   */
  beforeBroadcast?: BeforeBroadcast;
};

export type BeforeBroadcast = (tx: { hash: Hash; nonce: number }) => void | Promise<void>;

export type Written = { hash: Hash; receipt: TransactionReceipt };

/**
 * @example
 * await submitWrite(clients, "StreamPay.settle(7)", async () => {
 *   const { request } = await clients.publicClient.simulateContract({ ... });
 *   return clients.walletClient.writeContract(request);
 * });
 */
export async function submitWrite(clients: Pick<ChainClients, "publicClient">, what: string, send: (hook?: BeforeBroadcast) => Promise<Hash>, o: WriteOptions = {}): Promise<Written> {
  const attempts = o.attempts ?? 4;
  let hooked = false;
  const hook: BeforeBroadcast | undefined = o.beforeBroadcast && (async (tx) => {
    await o.beforeBroadcast!(tx);
    hooked = true;
  });
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    let hash: Hash | undefined;
    try {
      hooked = false;
      hash = await send(hook);
      o.onSent?.(hash);
      if (o.beforeBroadcast && !hooked) {
        const sent = hash;
        await clients.publicClient.getTransaction({ hash: sent }).then((tx) => o.beforeBroadcast!({ hash: sent, nonce: tx.nonce })).catch(() => undefined);
      }
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

/**
 * Gas limit for a simulated call: the node's estimate plus a quarter plus two payment pushes.
 * Why: the estimate runs at the pending block's time, and a call mined a second later can do more
 * work than the estimate saw: StreamPay pushes each party's share with PUSH_GAS (30,000) only when
 * it is non-zero, so a stream cancelled or settled in its first second was estimated without the
 * recipient's push and then ran out of gas (seen as a flaky revert). Only gas used is paid.
 */
export const GAS_MARGIN_FIXED = 2n * 30_000n + 10_000n;

/**
 * Sends a request returned by simulateContract with a gas limit that survives the block's time moving on.
 * @example
 * const { request } = await clients.publicClient.simulateContract({ ... });
 * return writeWithGasMargin(clients, request);
 */
export async function writeWithGasMargin<R extends object>(clients: Pick<ChainClients, "publicClient" | "walletClient">, request: R, beforeBroadcast?: BeforeBroadcast): Promise<Hash> {
  // `request` is what simulateContract returned (typed per ABI and function); only `gas` is added.
  const estimate = await clients.publicClient.estimateContractGas(request as never);
  const gas = estimate + estimate / 4n + GAS_MARGIN_FIXED;
  const account = clients.walletClient.account;
  if (!beforeBroadcast || account?.type !== "local") return clients.walletClient.writeContract({ ...request, gas } as never);
  // Signed here, so its hash is known (and handed to the hook) before the node ever sees it.
  const r = request as unknown as { address: Address; abi: Abi; functionName: string; args?: readonly unknown[]; value?: bigint };
  const data = encodeFunctionData({ abi: r.abi, functionName: r.functionName, args: r.args ?? [] } as never);
  // The wallet's nonce manager hands out the nonce, as for every other send (concurrent sends never share one).
  const prepared = await clients.walletClient.prepareTransactionRequest({
    account, to: r.address, data, gas, nonceManager: account.nonceManager, ...(r.value !== undefined ? { value: r.value } : {}),
  } as never);
  const { nonce, chainId } = prepared as { nonce: number; chainId: number };
  try {
    const serializedTransaction = await clients.walletClient.signTransaction(prepared as never);
    const hash = keccak256(serializedTransaction);
    try {
      await beforeBroadcast({ hash, nonce });
    } catch (err) {
      if (err instanceof ClawError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      throw new ClawError("INTERNAL", { message: `Transaction ${hash} was not sent: what must happen before it is broadcast failed (${why}).`, cause: err });
    }
    return await broadcast(clients, serializedTransaction, hash);
  } catch (err) {
    // The nonce manager handed out `nonce` (prepare consumed it): give it back, or the wallet's next
    // transaction would take nonce + 1 and wait forever behind a gap (viem's sendTransaction does the same).
    account.nonceManager?.reset({ address: account.address, chainId, nonce });
    throw err;
  }
}

/**
 * Broadcasts signed bytes whose hash is known. The node may take a transaction and its answer be lost
 * (a dropped connection): before failing, ask it for the hash, and resend only those same bytes (never
 * a new transaction: that would take the next nonce and, for an opening, lock a second deposit).
 */
async function broadcast(clients: Pick<ChainClients, "publicClient" | "walletClient">, serializedTransaction: Hex, hash: Hash, tries = 3): Promise<Hash> {
  for (let i = 0; ; i++) {
    try {
      return await clients.walletClient.sendRawTransaction({ serializedTransaction });
    } catch (err) {
      if (await clients.publicClient.getTransaction({ hash }).then(() => true, () => false)) return hash;
      if (i >= tries - 1 || !isTransientChainError(err)) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** i));
    }
  }
}
