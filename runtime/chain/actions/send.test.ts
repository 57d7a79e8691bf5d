import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { HttpRequestError, type Hash } from "viem";
import { streamPayAbi } from "../../../contracts/generated/abi.ts";
import { isClawError } from "../../core/errors.ts";
import { submitWrite } from "./send.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

const unreachable = () => new HttpRequestError({ url: "http://127.0.0.1:1", details: "fetch failed" });

test("a node that fails before anything is sent is retried; the send then lands once", async () => {
  const w = t.wallet(1);
  let calls = 0;
  const { receipt } = await submitWrite(w, "a transfer", async () => {
    calls++;
    if (calls < 3) throw unreachable();
    return w.walletClient.sendTransaction({ to: t.wallet(2).address, value: 1n });
  });
  assert.equal(calls, 3);
  assert.equal(receipt.status, "success");
});

test("a node that never answers gives up after `attempts` tries: CHAIN_UNAVAILABLE", async () => {
  let calls = 0;
  await assert.rejects(
    submitWrite(t.wallet(1), "a transfer", async () => {
      calls++;
      throw unreachable();
    }, { attempts: 3 }),
    (e) => isClawError(e, "CHAIN_UNAVAILABLE"),
  );
  assert.equal(calls, 3);
});

test("once a hash exists nothing is resent, even when the transaction reverts on chain (no double settle)", async () => {
  const w = t.wallet(1);
  let calls = 0;
  const sent: Hash[] = [];
  await assert.rejects(
    submitWrite(w, "StreamPay.cancelStream(404)", async () => {
      calls++;
      // Skips simulation and gives explicit gas, so it is mined and reverts there.
      return w.walletClient.writeContract({ address: t.contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [404n], gas: 100_000n });
    }, { onSent: (h) => sent.push(h) }),
    (e) => isClawError(e, "CHAIN_TX_FAILED") && e.message.includes(sent[0] ?? "?"),
  );
  assert.equal(calls, 1);
  assert.equal(sent.length, 1);
});
