import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { createStream } from "./create-stream.ts";
import { getStream } from "./get-stream.ts";
import { settleStream } from "./settle-stream.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("the recipient takes exactly the amount, the sender gets the rest, the stream is settled", async () => {
  const sender = t.wallet(1);
  const recipient = t.wallet(2);
  const { stream } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: recipient.address, durationSeconds: 10n, serviceType: 0, providerId: 0n, deposit: 10_000n });
  await t.advance(5);
  const [senderBefore, recipientBefore] = await Promise.all([t.read.getBalance({ address: sender.address }), t.read.getBalance({ address: recipient.address })]);
  const { receipt } = await settleStream(recipient, { streamPay: t.contracts.streamPay, streamId: stream.streamId, amount: 1_234n });
  const gas = receipt.gasUsed * receipt.effectiveGasPrice;
  assert.equal(await t.read.getBalance({ address: recipient.address }), recipientBefore + 1_234n - gas);
  assert.equal(await t.read.getBalance({ address: sender.address }), senderBefore + 10_000n - 1_234n);
  const s = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.equal(s.status, "settled");
  assert.equal(s.withdrawn, 1_234n);
});

test("settling more than has streamed, or by the sender, is refused with the contract's error and its arguments", async () => {
  const sender = t.wallet(1);
  const recipient = t.wallet(2);
  const { stream } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: recipient.address, durationSeconds: 1_000n, serviceType: 0, providerId: 0n, deposit: 1_000n });
  await assert.rejects(
    settleStream(recipient, { streamPay: t.contracts.streamPay, streamId: stream.streamId, amount: 900n }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "InvalidSettleAmount" && (e.details.args as string[])[1] === "900",
  );
  await assert.rejects(
    settleStream(sender, { streamPay: t.contracts.streamPay, streamId: stream.streamId, amount: 0n }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NotRecipient",
  );
  assert.equal((await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId })).status, "active");
});
