import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { cancelStream } from "./cancel-stream.ts";
import { claim } from "./claim.ts";
import { createStream } from "./create-stream.ts";
import { getClaimable } from "./get-claimable.ts";
import { REVERTING_CODE, startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

/** A stream to `recipient` cancelled after 50 s while the recipient refuses coin: its share is credited. */
async function creditTo(i: number): Promise<bigint> {
  const recipient = t.wallet(i).address;
  const { stream } = await createStream(t.wallet(1), { streamPay: t.contracts.streamPay, recipient, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 10_000n });
  await t.advance(50);
  await t.setCode(recipient, REVERTING_CODE);
  await cancelStream(t.wallet(1), { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  await t.setCode(recipient, "0x");
  return getClaimable(t.read, { streamPay: t.contracts.streamPay, account: recipient });
}

test("claim pays the caller its credit; nothing left is NothingToClaim", async () => {
  const credit = await creditTo(2);
  assert.ok(credit > 0n, "the refused push was credited");
  const me = t.wallet(2);
  const before = await t.read.getBalance({ address: me.address });
  const { receipt } = await claim(me, { streamPay: t.contracts.streamPay });
  assert.equal(await t.read.getBalance({ address: me.address }), before + credit - receipt.gasUsed * receipt.effectiveGasPrice);
  assert.equal(await getClaimable(t.read, { streamPay: t.contracts.streamPay, account: me.address }), 0n);
  await assert.rejects(claim(me, { streamPay: t.contracts.streamPay }), (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NothingToClaim");
});

test("claimTo sends the caller's credit elsewhere; claimFor lets anyone push a credit to its owner", async () => {
  const credit = await creditTo(3);
  const cold = t.wallet(7).address;
  const coldBefore = await t.read.getBalance({ address: cold });
  await claim(t.wallet(3), { streamPay: t.contracts.streamPay, to: cold });
  assert.equal(await t.read.getBalance({ address: cold }), coldBefore + credit);

  const other = await creditTo(4);
  const owner = t.wallet(4).address;
  const ownerBefore = await t.read.getBalance({ address: owner });
  await claim(t.wallet(8), { streamPay: t.contracts.streamPay, for: owner });
  assert.equal(await t.read.getBalance({ address: owner }), ownerBefore + other, "the owner paid no gas and got all of it");
});
