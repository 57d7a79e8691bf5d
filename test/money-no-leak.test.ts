/**
 * No leaks, end to end (issue 12): a reservation made before a failed `JobAccepted` append is
 * released. The runtime's real SQLite store is wrapped so that its next write holding a JobAccepted
 * throws once (the disk was full for a moment). On a stream paying rate = price (one parallel slot,
 * floor(rate / price) = 1), a leaked reservation would hold that slot for good: the next request
 * would wait for it and be refused STREAM_BUSY, and the settler — which never settles while a job
 * holds a slot — would never settle the stream. Instead the next request is served at once and the
 * stream is settled for exactly its metered total, the consumer refunded the rest, to the wei.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Hash } from "viem";
import { ClawError } from "../runtime/core/errors.ts";
import type { NewEvent } from "../runtime/core/events.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n; // wei per second
let m: Market;

before(async () => {
  m = await startMarket({
    // A waiting request gives up after at most one max job (5 s) with STREAM_BUSY.
    offerings: [{ model: "echo-20", backend: "echo", options: { tokensPerSecond: 20 }, pricePerSecond: price, maxJobSeconds: 5 }],
    settlement: { idleSeconds: 2, minJobMs: 100 },
  });
});
after(async () => m?.close());

const balance = (address: `0x${string}`) => m.publicClient.getBalance({ address });

test("a failed JobAccepted append releases its reservation: the stream's only slot serves the next request, which is settled to the wei", { timeout: 60_000 }, async () => {
  const consumer = m.account(2);
  const before = await balance(consumer.address);
  const duration = 600n;
  const deposit = price * duration; // rate = price: one job at a time
  const providerId = m.provider.offerings[0]!.providerId;
  const { streamId, gas } = await m.openStream(consumer, { deposit, duration, providerId });
  const signer = await m.sessionSigner(consumer, streamId);

  // The real store, with one injected failure: the next write made only of JobAccepted events throws.
  const store = m.provider.store;
  const append = store.append.bind(store);
  let failures = 0;
  store.append = ((events: NewEvent[]) => {
    if (failures === 0 && events.length > 0 && events.every((e) => e.type === "JobAccepted")) {
      failures++;
      throw new ClawError("STORE_DISK_FULL", { message: "injected: the disk was full for this one write" });
    }
    return append(events);
  }) as typeof store.append;

  const first = await m.post("/v1/inference", { model: "echo-20", prompt: "one two three" }, signer);
  const firstBody = (await first.json()) as { error?: { code: string } };
  assert.equal(failures, 1, "the JobAccepted write failed once");
  assert.equal(first.status, 507, JSON.stringify(firstBody));
  assert.equal(firstBody.error?.code, "STORE_DISK_FULL");
  const ofStream = (type: string) => m.provider.store.read().filter((e) => e.type === type && (e.data as { streamId?: bigint }).streamId === streamId);
  assert.equal(ofStream("JobAccepted").length, 0, "nothing was accepted");

  // The same stream, its only slot: served (not STREAM_BUSY after waiting 5 s for a leaked slot).
  const second = await m.post("/v1/inference", { model: "echo-20", prompt: "four five six seven" }, signer);
  const body = (await second.json()) as { response?: string; claw?: { cost: string; meteredMs: number }; error?: { code: string } };
  assert.equal(second.status, 200, JSON.stringify(body));
  assert.equal(body.response, "four five six seven");
  const cost = BigInt(body.claw!.cost);
  assert.ok(cost > 0n, "the served job cost something (20 tokens per second)");
  assert.equal(cost, (BigInt(body.claw!.meteredMs) * price) / 1000n);
  const [completed] = ofStream("JobCompleted");
  assert.ok(completed?.type === "JobCompleted");
  assert.equal(completed.data.cost, cost, "the log bills what the consumer was told");

  // Idle for 2 s, no job holding a slot: settled for exactly the metered total.
  const settled = await eventually(() => ofStream("StreamSettled")[0], 30_000, "StreamSettled");
  assert.ok(settled.type === "StreamSettled");
  assert.equal(m.provider.views.streams.get(streamId)?.metered, cost, "the stream's metered total is the one served job");
  assert.equal(settled.data.earned, cost, "the provider is paid exactly the metered total");
  assert.equal(settled.data.refund, deposit - cost, "the consumer gets the rest back");
  assert.equal(await balance(consumer.address), before - gas - cost, "the consumer paid the gas and exactly the metered cost");
  const [submitted] = ofStream("SettlementSubmitted");
  assert.ok(submitted?.type === "SettlementSubmitted");
  const receipt = await m.publicClient.getTransactionReceipt({ hash: submitted.data.txHash as Hash });
  assert.equal(receipt.status, "success");
});
