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

test("a cancel estimated in the stream's first second and mined later still goes through (gas margin for the recipient's push)", async () => {
  // The estimate sees nothing streamed yet (no push to the recipient); the block that mines it is 50 s
  // later, so the recipient's share is pushed with PUSH_GAS. An exact estimate ran out of gas here.
  const sender = t.wallet(1);
  const rpc = (method: string, params: unknown[]) => t.read.request({ method: method as never, params: params as never });
  const { stream, receipt } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 1_000_000n });
  const created = (await t.read.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
  await rpc("evm_setAutomine", [false]);
  try {
    await rpc("evm_setNextBlockTimestamp", [Number(created)]);
    const cancelled = cancelStream(sender, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
    // Wait until the transaction waits in the pool (estimated and sent), then mine it 50 s on.
    for (let i = 0; i < 250; i++) {
      if (BigInt(((await rpc("txpool_status", [])) as { pending: string }).pending) > 0n) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await rpc("evm_setNextBlockTimestamp", [Number(created) + 50]);
    await rpc("evm_mine", []);
    await cancelled;
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
  const s = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.equal(s.status, "cancelled");
  assert.equal(s.withdrawn, 500_000n, "the recipient's 50 s of 100 s were pushed");
});
