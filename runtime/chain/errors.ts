/**
 * The one mapping from a failed chain call (read, simulation, send or receipt) to a ClawError:
 * - the node cannot be reached or times out -> CHAIN_UNAVAILABLE (503: nothing was verified);
 * - the contract refused (a revert, on a read or a simulated write) -> CHAIN_REVERTED with the
 *   custom error's name and arguments in `details` (contracts/src/Errors.sol);
 * - no contract at the address -> CHAIN_ERROR with a hint to check the RPC URL and addresses;
 * - anything else -> CHAIN_ERROR with viem's short message. The viem error stays as `cause`.
 */
import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, HttpRequestError, TimeoutError } from "viem";
import { ClawError } from "../core/errors.ts";

/** Failures worth retrying: the node did not answer, or a nonce race another send will fix. */
export function isTransientChainError(err: unknown): boolean {
  if (err instanceof BaseError && err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError)) return true;
  const text = err instanceof BaseError ? `${err.name} ${err.shortMessage} ${err.details ?? ""}` : String(err);
  return /HttpRequestError|TimeoutError|fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|nonce too low|replacement transaction underpriced/i.test(text);
}

/** The custom error a call reverted with, if it did: `{ errorName, args }`. */
export function revertOf(err: unknown): { errorName: string; args: readonly unknown[] } | undefined {
  const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
  if (!(revert instanceof ContractFunctionRevertedError)) return undefined;
  return { errorName: revert.data?.errorName ?? revert.reason ?? "revert", args: revert.data?.args ?? [] };
}

/**
 * @example
 * try { await client.readContract(...) } catch (err) { throw chainError(err, "StreamPay.getStream(7)") }
 */
export function chainError(err: unknown, what: string): ClawError {
  if (err instanceof ClawError) return err;
  const revert = revertOf(err);
  if (revert) {
    const args = revert.args.map(String);
    return new ClawError("CHAIN_REVERTED", {
      message: `${what} reverted: ${revert.errorName}${args.length ? `(${args.join(", ")})` : ""}.`,
      details: { errorName: revert.errorName, args },
      cause: err,
    });
  }
  const base = err instanceof BaseError ? err : undefined;
  if (isTransientChainError(err)) {
    return new ClawError("CHAIN_UNAVAILABLE", { message: `${what}: the chain node cannot be reached (${base?.shortMessage ?? String(err)}).`, cause: err });
  }
  const noCode = base?.walk((e) => e instanceof ContractFunctionZeroDataError);
  const hint = noCode ? " There is no contract at that address on this chain: check --rpc and the contract addresses." : "";
  return new ClawError("CHAIN_ERROR", { message: `${what} failed: ${base?.shortMessage ?? (err as Error)?.message ?? String(err)}.${hint}`, cause: err });
}
