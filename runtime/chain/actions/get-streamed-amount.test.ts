import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createStream } from "./create-stream.ts";
import { getStreamedAmount } from "./get-streamed-amount.ts";
import { settleStream } from "./settle-stream.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("streamed grows at deposit/duration per second, rounded toward the sender, is what was received once closed, and 0 for an unknown id", async () => {
  const { stream } = await createStream(t.wallet(1), { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 3n, serviceType: 0, providerId: 0n, deposit: 1_000n });
  await t.advance(1);
  const block = await t.read.getBlock();
  const elapsed = block.timestamp - stream.startTime;
  assert.equal(await getStreamedAmount(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId }), (1_000n * elapsed) / 3n);
  await t.advance(5);
  assert.equal(await getStreamedAmount(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId }), 1_000n, "all of it after the end");
  assert.equal(await getStreamedAmount(t.read, { streamPay: t.contracts.streamPay, streamId: 77n }), 0n);
  const { stream: other } = await createStream(t.wallet(1), { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 1_000n });
  await t.advance(30);
  await settleStream(t.wallet(2), { streamPay: t.contracts.streamPay, streamId: other.streamId, amount: 123n });
  assert.equal(await getStreamedAmount(t.read, { streamPay: t.contracts.streamPay, streamId: other.streamId }), 123n, "settled for 123: it received 123");
});
