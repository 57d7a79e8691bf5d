/**
 * The money rules end to end on anvil, balances to the wei (issue 12):
 * - 8 parallel jobs on a stream whose rate equals the price run one at a time (floor(rate / price)
 *   = 1 slot), so the stream always covers what was metered: the provider is paid exactly the metered
 *   total, settled before the stream's end (near-end rule), the consumer refunded the rest;
 * - the same with an immediate consumer cancel: the provider's shortfall stays within
 *   rate × (1 s of block-timestamp granularity + the time the runtime took to stop after the cancel);
 * - a late job on a short stream never runs into the settlement margin; the stream is settled
 *   before it expires and the consumer refunded;
 * - a non-streaming answer whose backend fails after output returns the partial text, billed
 *   exactly up to it; a backend refusing the request itself bills the time used.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Hash } from "viem";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { startFakeOpenAI } from "../plugins/testing/fake-openai.ts";
import type { FakeServer } from "../plugins/testing/fake-server.ts";
import type { StoredEvent } from "../runtime/core/events.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n; // wei per second
let m: Market;
let fake: FakeServer;
const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

before(async () => {
  fake = await startFakeOpenAI("openai");
  m = await startMarket({
    offerings: [
      { model: "echo-20", backend: "echo", options: { tokensPerSecond: 20 }, pricePerSecond: price, concurrency: 8 },
      { model: "fake-openai", backend: "openai", options: { baseUrl: `${fake.url}/v1`, timeoutMs: 2_000, idleTimeoutMs: 1_000, retries: 0 }, pricePerSecond: price },
    ],
    // Idle settlement is off: what settles these streams is the near-end rule (or a cancel).
    settlement: { idleSeconds: 3600, minJobMs: 100, endMarginSeconds: 5, progressMs: 200 },
  });
});
after(async () => {
  await m?.close();
  await fake?.close();
});

const ofStream = (streamId: bigint, type: string) =>
  m.provider.store.read().filter((e) => e.type === type && (e.data as { streamId?: bigint }).streamId === streamId);
const providerIdOf = (model: string) => m.provider.offerings.find((o) => o.model === model)!.providerId;
const balance = (address: `0x${string}`) => m.publicClient.getBalance({ address });
const gasOf = async (hash: string) => {
  const r = await m.publicClient.getTransactionReceipt({ hash: hash as Hash });
  return r.gasUsed * r.effectiveGasPrice;
};

/** The [start, end] (ms) of each job of a stream that ran, from its JobStarted and ending events. */
function runIntervals(streamId: bigint): Array<[number, number]> {
  const started = new Map(ofStream(streamId, "JobStarted").map((e) => [(e.data as { jobId: string }).jobId, e.time]));
  return [...ofStream(streamId, "JobCompleted"), ...ofStream(streamId, "JobFailed")]
    .filter((e) => started.has((e.data as { jobId: string }).jobId))
    .map((e) => [started.get((e.data as { jobId: string }).jobId)!, e.time]);
}
const maxOverlap = (intervals: Array<[number, number]>) =>
  Math.max(0, ...intervals.map(([s]) => intervals.filter(([a, b]) => a <= s && s < b).length));

describe("streamed covers metered", () => {
  test("8 parallel jobs on a rate = price stream run one at a time; the provider is paid exactly the metered total, before the end", { timeout: 90_000 }, async () => {
    const consumer = m.account(2);
    const provider = m.provider.clients.address;
    const [consumerBefore, providerBefore] = [await balance(consumer.address), await balance(provider)];
    const deposit = price * 30n;
    const { streamId, gas: createGas, receipt } = await m.openStream(consumer, { deposit, duration: 30n, providerId: providerIdOf("echo-20") });
    const signer = await m.sessionSigner(consumer, streamId);
    const answers = await Promise.all(Array.from({ length: 8 }, () => m.post("/v1/inference", { model: "echo-20", prompt: words(12) }, signer)));
    const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, body: (await r.json()) as { response: string; claw: { cost: string; meteredMs: number } } })));
    for (const b of bodies) assert.equal(b.status, 200, JSON.stringify(b.body));
    const told = bodies.reduce((s, b) => s + BigInt(b.body.claw.cost), 0n);
    for (const b of bodies) assert.equal(BigInt(b.body.claw.cost), (BigInt(b.body.claw.meteredMs) * price) / 1000n);
    assert.equal(maxOverlap(runIntervals(streamId)), 1, "never more than floor(rate / price) = 1 job running at once");

    const settled = await eventually(() => ofStream(streamId, "StreamSettled")[0], 40_000, "StreamSettled (near the end)");
    assert.ok(settled.type === "StreamSettled");
    assert.equal(settled.data.earned, told, "the provider is paid exactly what its receipts say");
    assert.equal(m.provider.views.streams.get(streamId)?.metered, told);
    const block = await m.publicClient.getBlock({ blockNumber: settled.data.chain.blockNumber });
    const start = (await m.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    assert.ok(block.timestamp < start + 30n, `settled at ${block.timestamp}, before the stream's end ${start + 30n}`);
    const [submitted] = ofStream(streamId, "SettlementSubmitted");
    assert.ok(submitted?.type === "SettlementSubmitted");
    assert.equal(await balance(consumer.address), consumerBefore - createGas - told);
    assert.equal(await balance(provider), providerBefore + told - (await gasOf(submitted.data.txHash)));
  });

  test("8 parallel jobs and an immediate consumer cancel: the provider's shortfall is within rate × (1 s + the runtime's stop time)", { timeout: 60_000 }, async (t) => {
    const consumer = m.account(3);
    const deposit = price * 600n;
    const { streamId } = await m.openStream(consumer, { deposit, duration: 600n, providerId: providerIdOf("echo-20") });
    const signer = await m.sessionSigner(consumer, streamId);
    const answers = Promise.all(Array.from({ length: 8 }, () => m.post("/v1/inference", { model: "echo-20", prompt: words(12) }, signer).then((r) => r.status)));
    await eventually(() => (ofStream(streamId, "JobCompleted").length > 0 ? true : undefined), 20_000, "a first job done");
    const hash = await m.wallet(consumer).writeContract({ address: m.contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streamId] });
    const cancelReceipt = await m.publicClient.waitForTransactionReceipt({ hash });
    const statuses = await answers;
    assert.ok(statuses.filter((s) => s === 200).length >= 1);
    assert.ok(statuses.every((s) => s === 200 || s === 402 || s === 499), statuses.join(","));
    const cancelled = await eventually(() => ofStream(streamId, "StreamCancelled")[0], 10_000, "StreamCancelled in the log");
    assert.ok(cancelled.type === "StreamCancelled");
    const endedAll = () => ofStream(streamId, "JobAccepted").length === ofStream(streamId, "JobCompleted").length + ofStream(streamId, "JobFailed").length;
    await eventually(() => (endedAll() ? true : undefined), 10_000, "every accepted job ended");
    const metered = m.provider.views.streams.get(streamId)!.metered;
    const paid = cancelled.data.recipientAmount;
    const cancelTs = Number((await m.publicClient.getBlock({ blockNumber: cancelReceipt.blockNumber })).timestamp) * 1000;
    const lastEnd = Math.max(...runIntervals(streamId).map(([, end]) => end));
    const stopMs = Math.max(0, lastEnd - cancelTs);
    const bound = (price * BigInt(1_000 + stopMs)) / 1000n + 8n; // + 1 wei of rounding per job
    const shortfall = metered - paid;
    t.diagnostic(`metered ${metered} wei, paid ${paid} wei, shortfall ${shortfall} wei, bound ${bound} wei, runtime stopped ${stopMs} ms after the cancel block's timestamp`);
    assert.ok(shortfall <= bound, `shortfall ${shortfall} wei > bound ${bound} (stopped ${stopMs} ms after the cancel block's timestamp)`);
    assert.ok(stopMs < 5_000, `the runtime stopped serving ${stopMs} ms after the cancel`);
    assert.equal(cancelled.data.senderRefund, deposit - paid);
  });

  test("a late job on a short stream stops before end − margin; the stream is settled before it expires and the consumer refunded", { timeout: 60_000 }, async () => {
    const consumer = m.account(4);
    const before = await balance(consumer.address);
    const deposit = price * 12n;
    const { streamId, gas: createGas, receipt } = await m.openStream(consumer, { deposit, duration: 12n, providerId: providerIdOf("echo-20") });
    const start = (await m.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;
    const endMs = Number(start + 12n) * 1000;
    // Late: ~4 s in, a 4-second job (80 words at 20/s) has only until end − 5 s.
    await new Promise((r) => setTimeout(r, Math.max(0, Number(start) * 1000 + 4_000 - Date.now())));
    const res = await m.post("/v1/inference", { model: "echo-20", prompt: words(80) }, await m.sessionSigner(consumer, streamId));
    const body = (await res.json()) as { response?: string; finish_reason?: string; claw?: { cost: string }; error?: { code: string } };
    const [ended] = [...ofStream(streamId, "JobCompleted"), ...ofStream(streamId, "JobFailed")];
    if (res.status === 200) {
      assert.ok(ended, "the job ended in the log");
      assert.ok(ended.time <= endMs - 5_000 + 250, `the job ran until ${ended.time}, past end − margin ${endMs - 5_000}`);
    } else assert.equal(body.error?.code, "STREAM_ENDING", "a busy machine may reach the margin before the job starts");
    const settled = await eventually(() => ofStream(streamId, "StreamSettled")[0], 20_000, "StreamSettled before the end");
    assert.ok(settled.type === "StreamSettled");
    const metered = m.provider.views.streams.get(streamId)!.metered;
    assert.equal(settled.data.earned, metered);
    assert.equal(BigInt(body.claw?.cost ?? "0"), metered);
    const block = await m.publicClient.getBlock({ blockNumber: settled.data.chain.blockNumber });
    assert.ok(block.timestamp < start + 12n, `settled at ${block.timestamp}, before the end ${start + 12n}`);
    assert.equal(await balance(consumer.address), before - createGas - metered, "the consumer paid exactly the metered cost, the rest refunded");
  });
});

describe("pay only for what was received (non-streaming)", () => {
  const ask = async (prompt: string) => {
    const consumer = m.account(5);
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId: providerIdOf("fake-openai") });
    const res = await m.post("/v1/inference", { model: "fake-openai", prompt }, await m.sessionSigner(consumer, streamId));
    return { streamId, status: res.status, body: (await res.json()) as { response?: string; finish_reason?: string; claw?: { cost: string; meteredMs: number; partial?: { code: string } }; error?: { code: string } } };
  };

  test("a backend failing after output: the partial text is returned with finish_reason error, billed exactly up to it", async () => {
    fake.setMode("ok");
    const whole = await ask("tell me more");
    assert.equal(whole.status, 200);
    fake.setMode("stream-error");
    const cut = await ask("tell me more");
    fake.setMode("ok");
    assert.equal(cut.status, 200, JSON.stringify(cut.body));
    assert.equal(cut.body.finish_reason, "error");
    assert.equal(cut.body.claw?.partial?.code, "BACKEND_STREAM_ERROR");
    assert.ok(cut.body.response && cut.body.response.length > 0 && whole.body.response!.startsWith(cut.body.response), `${cut.body.response} is a prefix of ${whole.body.response}`);
    const [failed] = ofStream(cut.streamId, "JobFailed") as Array<StoredEvent<"JobFailed">>;
    assert.ok(failed);
    assert.equal(failed.data.cost, BigInt(cut.body.claw!.cost), "billed what the consumer was told");
    assert.equal(failed.data.cost, (failed.data.meteredMs * price) / 1000n);
    assert.equal(Number(failed.data.meteredMs), cut.body.claw!.meteredMs);
  });

  test("a backend failing before any output bills nothing; one refusing the request itself bills the time used", async () => {
    fake.setMode("upstream");
    const broken = await ask("hello");
    fake.setMode("bad-request");
    const refused = await ask("hello");
    fake.setMode("ok");
    assert.equal(broken.body.error?.code, "BACKEND_UPSTREAM");
    const [f1] = ofStream(broken.streamId, "JobFailed") as Array<StoredEvent<"JobFailed">>;
    assert.deepEqual([f1?.data.meteredMs, f1?.data.cost], [0n, 0n]);
    assert.equal(refused.body.error?.code, "BACKEND_BAD_REQUEST");
    const [f2] = ofStream(refused.streamId, "JobFailed") as Array<StoredEvent<"JobFailed">>;
    assert.ok(f2);
    assert.equal(f2.data.cost, (f2.data.meteredMs * price) / 1000n, "time until the refusal, at the price");
  });
});
