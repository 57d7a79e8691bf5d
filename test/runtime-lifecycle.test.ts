/**
 * Budgets, disconnects, restarts and the chain watcher: the runtime bills only what it metered, never
 * more than a stream holds, and its log survives restarts without losing or repeating anything.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n;
let m: Market;

before(async () => {
  m = await startMarket({
    offerings: [{ model: "echo-slow", backend: "echo", options: { tokensPerSecond: 10 }, pricePerSecond: price }],
    settlement: { idleSeconds: 3600, minJobMs: 100 },
  });
});
after(async () => m?.close());

const longPrompt = Array.from({ length: 80 }, (_, i) => `word${i}`).join(" ");
const stored = (type: string, streamId: bigint) =>
  m.provider.store.read().filter((e) => e.type === type && (e.data as { streamId?: bigint }).streamId === streamId);

describe("budgets and metering", () => {
  test("a running job is cut when its budget runs out (at end − margin): the partial answer is returned and billed up to its last word", async () => {
    const consumer = m.account(2);
    const providerId = m.provider.offerings[0]!.providerId;
    // A 9-second stream at rate = price; no job may run into its last 5 s (the settlement margin),
    // so the job's reservation ends ~3-4 s in, long before the 80 words at 10/s are done.
    const deposit = price * 9n;
    const { streamId } = await m.openStream(consumer, { deposit, duration: 9n, providerId });
    const res = await m.post("/v1/inference", { prompt: longPrompt }, await m.sessionSigner(consumer, streamId));
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { response: string; finish_reason: string; claw: { cost: string; meteredMs: number; partial?: { code: string } } };
    assert.equal(body.finish_reason, "length");
    assert.equal(body.claw.partial?.code, "JOB_BUDGET_CUT");
    const words = body.response.split(" ").length;
    assert.ok(words > 0 && words < 80, `${words} of 80 words delivered`);
    const [failed] = stored("JobFailed", streamId);
    assert.ok(failed?.type === "JobFailed");
    assert.equal(failed.data.code, "JOB_BUDGET_CUT");
    assert.equal(failed.data.cost, BigInt(body.claw.cost), "the log bills what the consumer was told");
    assert.equal(failed.data.cost, (failed.data.meteredMs * price) / 1000n);
    // Billed up to the last delivered word: words arrive every 100 ms, the first at once.
    assert.ok(failed.data.meteredMs >= BigInt((words - 1) * 100 - 50), `${failed.data.meteredMs} ms for ${words} words`);
    assert.ok(failed.data.cost < deposit, "never the whole deposit");
    const again = await m.post("/v1/inference", { prompt: "more" }, await m.sessionSigner(consumer, streamId));
    assert.equal(again.status, 402);
    assert.match(((await again.json()) as { error: { code: string } }).error.code, /STREAM_ENDING|BUDGET_EXHAUSTED|STREAM_ENDED/);
  });

  test("a consumer who disconnects mid-stream aborts the job and pays for the time used", async () => {
    const consumer = m.account(3);
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
    const signer = await m.sessionSigner(consumer, streamId);
    const text = JSON.stringify({ model: "echo-slow", stream: true, messages: [{ role: "user", content: longPrompt }] });
    const controller = new AbortController();
    const res = await fetch(`${m.provider.url}/v1/chat/completions`, {
      method: "POST", body: text, signal: controller.signal, headers: { "content-type": "application/json", ...(await signer.headers(text, { path: "/v1/chat/completions" })) },
    });
    const reader = res.body!.getReader();
    let seen = "";
    while (!seen.includes("word2")) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const failed = await eventually(() => stored("JobFailed", streamId)[0], 10_000, "JobFailed after disconnect");
    assert.ok(failed.type === "JobFailed");
    assert.equal(failed.data.code, "JOB_ABORTED");
    assert.ok(failed.data.meteredMs > 0n && failed.data.meteredMs < 8_000n, `metered ${failed.data.meteredMs} ms, less than the whole job`);
    assert.equal(failed.data.cost, (failed.data.meteredMs * price) / 1000n);
  });
});

describe("restarts and the chain watcher", () => {
  test("a stream keeps its metered total across a restart; the watcher catches up without duplicates", async () => {
    const consumer = m.account(4);
    const providerId = m.provider.offerings[0]!.providerId;
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId });
    const first = await m.post("/v1/inference", { prompt: "one two" }, await m.sessionSigner(consumer, streamId));
    const cost1 = BigInt(((await first.json()) as { claw: { cost: string } }).claw.cost);
    await m.provider.close();

    // While the runtime is down: another stream opens and the consumer cancels the first one.
    const second = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId });
    const hash = await m.wallet(consumer).writeContract({ address: m.contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streamId] });
    assert.equal((await m.publicClient.waitForTransactionReceipt({ hash })).status, "success", "the cancellation landed");

    m.provider = await m.start();
    await eventually(() => (stored("StreamCancelled", streamId).length > 0 ? true : undefined), 10_000, "the cancellation caught up");
    assert.equal(stored("StreamCancelled", streamId).length, 1, "the cancellation was caught up once");
    await eventually(() => (stored("StreamOpened", second.streamId).length > 0 ? true : undefined), 10_000, "the new stream caught up");
    assert.equal(stored("StreamOpened", second.streamId).length, 1, "the new stream was caught up once");
    assert.equal(m.provider.views.streams.get(streamId)?.metered, cost1, "metered total survived the restart");
    const refused = await m.post("/v1/inference", { prompt: "after cancel" }, await m.sessionSigner(consumer, streamId));
    assert.equal(refused.status, 402);

    await m.provider.close();
    m.provider = await m.start();
    assert.equal(stored("StreamCancelled", streamId).length, 1, "no duplicate after a second restart");
    assert.equal(m.provider.store.verify().ok, true);
  });
});
