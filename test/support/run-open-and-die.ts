/**
 * Runs a gateway stream opening in a child process (./open-and-die.ts) that SIGKILLs itself at
 * `when`: right before or right after the open transaction is broadcast. Shared by the gateway
 * opening tests.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { root } from "../consumer-support.ts";
import { runProcess } from "./processes.ts";

export type OpenAndDie = {
  rpcUrl: string; key: Hex; registry: Address; streamPay: Address; logPath: string;
  recipient: Address; providerId: bigint; deposit: bigint; when: "after-broadcast" | "before-broadcast";
};

/**
 * @example
 * await runOpenAndDie({ rpcUrl, key, registry, streamPay, logPath, recipient, providerId, deposit, when: "after-broadcast" });
 */
export async function runOpenAndDie(o: OpenAndDie): Promise<void> {
  const args = [o.rpcUrl, o.key, o.registry, o.streamPay, o.logPath, o.recipient, String(o.providerId), String(o.deposit), o.when];
  const r = await runProcess(process.execPath, ["--import", "tsx", join(root, "test/support/open-and-die.ts"), ...args], { env: process.env, cwd: root, timeoutMs: 60_000 });
  assert.ok(!r.timedOut, "the child did not hang");
  // Killed by its own signal (no exit code); 3 = it ran past the moment it should have died.
  assert.equal(r.code, -1, `the child was not killed at ${o.when} (code ${r.code}): ${r.stderr}`);
}
