/**
 * The SDK sizes for parallelism (issue 12): `openSession({ parallel: 8 })` opens a stream paying
 * price × 8 per second, so the provider can run all 8 of the session's requests at once (it runs at
 * most floor(rate / price) jobs of a stream at once) without metering faster than the stream
 * streams; `close()` then gets the provider's settlement — paid exactly the metered total, to the
 * wei, closed by settlement and not by a consumer cancel. Real anvil, real runtime, real SDK.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEventLogs } from "viem";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { createClawClient } from "../runtime/client/index.ts";
import { startMarket, type Market } from "./support/market.ts";

const price = 1_000_000_000n;
let m: Market;
before(async () => {
  m = await startMarket({
    offerings: [{ model: "echo-par", backend: "echo", options: { tokensPerSecond: 20 }, pricePerSecond: price, concurrency: 8 }],
    settlement: { idleSeconds: 2 },
  });
});
after(() => m?.close());

test("openSession({ parallel: 8 }) + 8 parallel asks + close(): the provider is paid exactly what it metered, by settlement", async () => {
  const consumer = m.account(5);
  const providerWallet = m.provider.clients.address;
  const [consumerBefore, providerBefore] = await Promise.all([
    m.publicClient.getBalance({ address: consumer.address }), m.publicClient.getBalance({ address: providerWallet }),
  ]);
  const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[5]!, contracts: m.contracts, pollingIntervalMs: 100 });
  const session = await claw.openSession({ model: "echo-par", expectedSeconds: 20, parallel: 8, probe: false });
  assert.equal(session.stream.deposit / session.stream.durationSeconds, price * 8n, "the stream pays price × 8 per second");
  assert.equal(session.stream.deposit % session.stream.durationSeconds, 0n);

  const prompts = Array.from({ length: 8 }, (_, i) => Array.from({ length: 20 }, (_, w) => `p${i}w${w}`).join(" "));
  const answers = await Promise.all(prompts.map((p) => session.ask(p)));
  answers.forEach((a, i) => assert.equal(a.text, prompts[i]));
  assert.equal(session.jobs.length, 8);

  // The 8 jobs really ran at once: the provider's log has them overlapping.
  const jobs = m.provider.store.read().filter((e) => (e.type === "JobStarted" || e.type === "JobCompleted") && e.data.streamId === session.stream.streamId);
  let running = 0;
  let most = 0;
  for (const e of jobs) {
    running += e.type === "JobStarted" ? 1 : -1;
    most = Math.max(most, running);
  }
  assert.ok(most >= 2, `jobs overlapped (at most ${most} at once)`);

  const metered = session.metered();
  assert.ok(metered > 0n);
  assert.equal(m.provider.views.streams.get(session.stream.streamId)?.metered, metered, "the SDK's sum is the provider's log");
  const receipt = await session.close();
  assert.equal(receipt.closedBy, "provider-settle");
  assert.equal(receipt.paid, metered, "paid exactly the metered total");
  assert.equal(receipt.refunded, receipt.deposit - metered);

  // Balances to the wei: the consumer paid the open transaction's gas and the metered total; the
  // provider received the metered total and paid its settle transaction's gas.
  const settleTx = await m.publicClient.getTransactionReceipt({ hash: receipt.txHashes.close! });
  const [settled] = parseEventLogs({ abi: streamPayAbi, logs: settleTx.logs, eventName: "StreamSettled" });
  assert.equal(settled?.args.paidNow, metered);
  const settleGas = settleTx.gasUsed * settleTx.effectiveGasPrice;
  const [consumerAfter, providerAfter] = await Promise.all([
    m.publicClient.getBalance({ address: consumer.address }), m.publicClient.getBalance({ address: providerWallet }),
  ]);
  assert.equal(consumerAfter, consumerBefore - receipt.gasPaid - metered);
  assert.equal(providerAfter, providerBefore + metered - settleGas);
  console.log(`parallel 8: ${most} jobs at once, metered ${metered} wei, paid ${receipt.paid} wei, refunded ${receipt.refunded} wei`);
});
