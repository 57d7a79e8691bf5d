import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { cancelStream } from "./cancel-stream.ts";
import { createStream } from "./create-stream.ts";
import { getStream } from "./get-stream.ts";
import { getStreamedAmount } from "./get-streamed-amount.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("the sender cancels: the recipient keeps what streamed, the sender gets the rest", async () => {
  const sender = t.wallet(1);
  const recipient = t.wallet(2).address;
  const { stream } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 10_000n });
  await t.advance(10);
  const recipientBefore = await t.read.getBalance({ address: recipient });
  await cancelStream(sender, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  const s = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.equal(s.status, "cancelled");
  assert.equal(await t.read.getBalance({ address: recipient }), recipientBefore + s.withdrawn);
  assert.ok(s.withdrawn > 0n && s.withdrawn < 10_000n, `recipient got ${s.withdrawn}`);
});

test("a stranger cannot cancel; a closed stream cannot be cancelled twice", async () => {
  const sender = t.wallet(1);
  const { stream } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 100n });
  await assert.rejects(cancelStream(t.wallet(4), { streamPay: t.contracts.streamPay, streamId: stream.streamId }), (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NotSenderOrRecipient");
  await cancelStream(sender, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  await assert.rejects(cancelStream(sender, { streamPay: t.contracts.streamPay, streamId: stream.streamId }), (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "StreamNotActive");
  // Once closed, the recipient's share is what it received.
  const closed = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.equal(await getStreamedAmount(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId }), closed.withdrawn);
});
