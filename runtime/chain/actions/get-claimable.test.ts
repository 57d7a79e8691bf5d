import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cancelStream } from "./cancel-stream.ts";
import { createStream } from "./create-stream.ts";
import { getClaimable } from "./get-claimable.ts";
import { getStream } from "./get-stream.ts";
import { REVERTING_CODE, startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("0 for an account never credited; exactly the refused share after a push fails", async () => {
  const recipient = t.wallet(2).address;
  assert.equal(await getClaimable(t.read, { streamPay: t.contracts.streamPay, account: recipient }), 0n);
  const { stream } = await createStream(t.wallet(1), { streamPay: t.contracts.streamPay, recipient, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 10_000n });
  await t.advance(20);
  await t.setCode(recipient, REVERTING_CODE);
  await cancelStream(t.wallet(1), { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  const s = await getStream(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.equal(await getClaimable(t.read, { streamPay: t.contracts.streamPay, account: recipient }), s.withdrawn);
});
