import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { createStream } from "./create-stream.ts";
import { getStream } from "./get-stream.ts";
import { startTestChain, type TestChain } from "./testing.ts";
import { withdrawFromStream } from "./withdraw-from-stream.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("the recipient takes what has streamed and the stream stays active; the sender cannot", async () => {
  const recipient = t.wallet(2);
  const { stream } = await createStream(t.wallet(1), { streamPay: t.contracts.streamPay, recipient: recipient.address, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 10_000n });
  await t.advance(10);
  const before = await t.read.getBalance({ address: recipient.address });
  const { receipt } = await withdrawFromStream(recipient, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  const s = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.equal(s.status, "active");
  assert.ok(s.withdrawn > 0n);
  assert.equal(await t.read.getBalance({ address: recipient.address }), before + s.withdrawn - receipt.gasUsed * receipt.effectiveGasPrice);
  await assert.rejects(withdrawFromStream(t.wallet(1), { streamPay: t.contracts.streamPay, streamId: stream.streamId }), (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NotRecipient");
});
