import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createStream } from "./create-stream.ts";
import { listStreamsBySender } from "./list-streams-by-sender.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("only the sender's streams, with their recipients and deposits; no keeper fee while none was taken", async () => {
  const open = (from: number, deposit: bigint) =>
    createStream(t.wallet(from), { streamPay: t.contracts.streamPay, recipient: t.wallet(3).address, durationSeconds: 100n, serviceType: 0, providerId: 0n, deposit });
  const a = await open(1, 100n);
  await open(2, 200n);
  const c = await open(1, 300n);
  const mine = await listStreamsBySender(t.read, { streamPay: t.contracts.streamPay, sender: t.wallet(1).address });
  assert.deepEqual(mine.map((s) => [s.streamId, s.deposit, s.recipient, s.keeperFee]), [
    [a.stream.streamId, 100n, t.wallet(3).address, 0n],
    [c.stream.streamId, 300n, t.wallet(3).address, 0n],
  ]);
  assert.deepEqual(await listStreamsBySender(t.read, { streamPay: t.contracts.streamPay, sender: t.wallet(1).address, fromBlock: c.receipt.blockNumber }).then((l) => l.map((s) => s.streamId)), [c.stream.streamId]);
  const windowed = await listStreamsBySender(t.read, { streamPay: t.contracts.streamPay, sender: t.wallet(1).address, logWindow: 2n });
  assert.deepEqual(windowed, mine, "two blocks per eth_getLogs call: the same streams");
});
