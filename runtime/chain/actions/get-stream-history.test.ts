import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cancelStream } from "./cancel-stream.ts";
import { createStream } from "./create-stream.ts";
import { getStreamHistory } from "./get-stream-history.ts";
import { settleStream } from "./settle-stream.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

const open = () => createStream(t.wallet(1), { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit: 1_000n });

test("opened with the gas its sender paid; no closing while active", async () => {
  const { stream, hash, receipt } = await open();
  const h = await getStreamHistory(t.read, { streamPay: t.contracts.streamPay, streamId: stream.streamId });
  assert.deepEqual(h.opened, { txHash: hash, blockNumber: receipt.blockNumber, gasPaid: receipt.gasUsed * receipt.effectiveGasPrice });
  assert.equal(h.closed, undefined);
});

test("a settle and a cancel are told apart, with amounts and who cancelled", async () => {
  const a = await open();
  await t.advance(10);
  const settled = await settleStream(t.wallet(2), { streamPay: t.contracts.streamPay, streamId: a.stream.streamId, amount: 40n });
  const ha = await getStreamHistory(t.read, { streamPay: t.contracts.streamPay, streamId: a.stream.streamId, fromBlock: a.receipt.blockNumber });
  assert.deepEqual(ha.closed, { kind: "settled", txHash: settled.hash, blockNumber: settled.receipt.blockNumber, earned: 40n, refund: 960n });

  const b = await open();
  const cancelled = await cancelStream(t.wallet(1), { streamPay: t.contracts.streamPay, streamId: b.stream.streamId });
  // One block per eth_getLogs call: the scan walks every window from block 0 and still finds both ends.
  const hb = await getStreamHistory(t.read, { streamPay: t.contracts.streamPay, streamId: b.stream.streamId, logWindow: 1n });
  assert.equal(hb.closed?.kind, "cancelled");
  assert.equal(hb.closed?.kind === "cancelled" && hb.closed.by, t.wallet(1).address);
  assert.equal(hb.closed?.txHash, cancelled.hash);
  assert.equal(hb.opened?.txHash, b.hash);
});
