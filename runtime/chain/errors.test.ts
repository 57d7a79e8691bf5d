import { test } from "node:test";
import assert from "node:assert/strict";
import { ContractFunctionExecutionError, ContractFunctionRevertedError, HttpRequestError } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import { ClawError, isClawError } from "../core/errors.ts";
import { chainError, isTransientChainError, revertOf } from "./errors.ts";

// A revert as viem reports it from a readContract/simulateContract: StreamNotActive(7, 2)
// (selector 0x3abd3b59, two uint256 words).
function reverted(): ContractFunctionExecutionError {
  const inner = new ContractFunctionRevertedError({ abi: streamPayAbi, functionName: "cancelStream", data: `0x3abd3b59${(7n).toString(16).padStart(64, "0")}${(2n).toString(16).padStart(64, "0")}` });
  return new ContractFunctionExecutionError(inner, { abi: streamPayAbi, functionName: "cancelStream", args: [7n] });
}

test("a revert becomes CHAIN_REVERTED with the custom error's name and arguments", () => {
  const e = chainError(reverted(), "StreamPay.cancelStream(7)");
  assert.ok(isClawError(e, "CHAIN_REVERTED"));
  assert.deepEqual(e.details, { errorName: "StreamNotActive", args: ["7", "2"] });
  assert.match(e.message, /^StreamPay\.cancelStream\(7\) reverted: StreamNotActive\(7, 2\)\.$/);
  assert.equal(revertOf(reverted())?.errorName, "StreamNotActive");
});

test("an unreachable node is CHAIN_UNAVAILABLE and transient; a ClawError passes through; anything else is CHAIN_ERROR", () => {
  const down = new HttpRequestError({ url: "http://127.0.0.1:1", details: "fetch failed" });
  assert.ok(isTransientChainError(down));
  assert.ok(isClawError(chainError(down, "eth_call"), "CHAIN_UNAVAILABLE"));
  const own = new ClawError("STREAM_ENDED");
  assert.equal(chainError(own, "x"), own);
  assert.ok(!isTransientChainError(reverted()));
  const other = chainError(new Error("weird"), "getStream(1)");
  assert.ok(isClawError(other, "CHAIN_ERROR"));
  assert.match(other.message, /getStream\(1\) failed: weird/);
});
