import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { createReadClient } from "../client.ts";
import { cancelStream } from "./cancel-stream.ts";
import { createStream } from "./create-stream.ts";
import { getStream } from "./get-stream.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("an id never created reads as status none (the contract does not revert)", async () => {
  const s = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: 999n });
  assert.equal(s.status, "none");
  assert.equal(s.deposit, 0n);
});

test("a created stream reads back with the contract's fields and status names through its life", async () => {
  const sender = t.wallet(1);
  const recipient = t.wallet(2).address;
  const { stream } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient, durationSeconds: 100n, serviceType: 3, providerId: 0n, deposit: 1_000n });
  const s = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.deepEqual(
    { status: s.status, sender: s.sender, recipient: s.recipient, deposit: s.deposit, duration: s.duration, serviceType: s.serviceType, startTime: s.startTime },
    { status: "active", sender: sender.address, recipient, deposit: 1_000n, duration: 100n, serviceType: 3, startTime: stream.startTime },
  );
  await cancelStream(sender, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.equal((await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId })).status, "cancelled");
});

test("a node that does not answer is CHAIN_UNAVAILABLE; an address without code is CHAIN_ERROR naming the fix", async () => {
  const dead = createReadClient({ rpcUrl: "http://127.0.0.1:1", chainId: t.anvil.chainId, profile: "probe" });
  await assert.rejects(getStream(dead, { streamPay: t.contracts.streamPay, streamId: 1n }), (e) => isClawError(e, "CHAIN_UNAVAILABLE") && /getStream\(1\)/.test(e.message));
  const noCode = t.wallet(9).address;
  await assert.rejects(getStream(t.read, { streamPay: noCode, streamId: 1n }), (e) => isClawError(e, "CHAIN_ERROR") && /no contract at that address/.test(e.message));
});
