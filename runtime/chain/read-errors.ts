/** Turns a failed contract read into a ClawError naming the call: unreachable node vs chain error. */
import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, HttpRequestError, TimeoutError } from "viem";
import { ClawError } from "../core/errors.ts";

/**
 * @example
 * try { ... } catch (err) { throw chainReadError(err, "StreamPay 0x...getStream(7)") }
 */
export function chainReadError(err: unknown, what: string): ClawError {
  if (err instanceof ClawError) return err;
  const base = err instanceof BaseError ? err : undefined;
  const unreachable = base?.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError);
  if (unreachable) {
    return new ClawError("CHAIN_UNAVAILABLE", { message: `Cannot read ${what}: the chain node cannot be reached (${base?.shortMessage}).`, cause: err });
  }
  const noCode = base?.walk((e) => e instanceof ContractFunctionZeroDataError);
  const reverted = base?.walk((e) => e instanceof ContractFunctionRevertedError);
  const hint = noCode ? " There is no contract at that address on this chain: check --rpc and the contract addresses." : "";
  return new ClawError("CHAIN_ERROR", {
    message: `Cannot read ${what}: ${base?.shortMessage ?? (err as Error)?.message ?? String(err)}.${hint}`,
    details: { reverted: Boolean(reverted) },
    cause: err,
  });
}
