/**
 * The heart of the product, end to end on a real chain: a paid request is served only against a
 * funded stream, metered, and settled so that every wei lands where it should.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Hash } from "viem";
import { computeRegistryAbi } from "../contracts/generated/abi.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n; // wei per second
let m: Market;

before(async () => {
  m = await startMarket({
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 40 }, pricePerSecond: price }],
    settlement: { idleSeconds: 1, minJobMs: 100 },
  });
});
after(async () => m?.close());

describe("a paid request, end to end", () => {
  test("is served, metered and settled with exact balances and a registry completion", async () => {
    const consumer = m.account(2);
    const provider = m.provider.clients.address;
    const offering = m.provider.offerings[0]!;
    const consumerBefore = await m.publicClient.getBalance({ address: consumer.address });
    const providerBefore = await m.publicClient.getBalance({ address: provider });
    const deposit = price * 600n;
    const { streamId, gas: createGas } = await m.openStream(consumer, { deposit, duration: 600n, providerId: offering.providerId });
    const signer = await m.sessionSigner(consumer, streamId);

    const res = await m.post("/v1/inference", { prompt: "tell me about streams", model: "echo-1" }, signer);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { response: string; claw: { cost: string; meteredMs: number; jobId: string } };
    assert.match(body.response, /tell/);
    assert.ok(body.claw.meteredMs > 0, "echo at 40 tokens/s takes measurable time");
    const cost = BigInt(body.claw.cost);
    assert.equal(cost, (BigInt(body.claw.meteredMs) * price) / 1000n, "cost = floor(ms * price / 1000)");

    const settled = await eventually(() => {
      const s = m.provider.store.read({ types: ["StreamSettled"] }).find((e) => e.type === "StreamSettled" && e.data.streamId === streamId);
      return s?.type === "StreamSettled" ? s : undefined;
    }, 20_000, "StreamSettled in the log");
    assert.equal(settled.data.earned, cost);
    assert.equal(settled.data.refund, deposit - cost);

    const submitted = m.provider.store.read({ types: ["SettlementSubmitted"] }).find((e) => e.type === "SettlementSubmitted" && e.data.streamId === streamId);
    assert.ok(submitted && submitted.type === "SettlementSubmitted");
    const settleReceipt = await m.publicClient.getTransactionReceipt({ hash: submitted.data.txHash as Hash });
    const settleGas = settleReceipt.gasUsed * settleReceipt.effectiveGasPrice;

    assert.equal(await m.publicClient.getBalance({ address: consumer.address }), consumerBefore - createGas - deposit + (deposit - cost));
    assert.equal(await m.publicClient.getBalance({ address: provider }), providerBefore + cost - settleGas);
    const p = (await m.publicClient.readContract({ address: m.contracts.registry, abi: computeRegistryAbi, functionName: "getProvider", args: [offering.providerId] })) as {
      completedJobs: bigint; totalEarned: bigint;
    };
    assert.equal(p.totalEarned, cost);
    assert.equal(p.completedJobs, 1n);
    assert.equal(m.provider.store.verify().ok, true);
  });

  test("one stream serves several jobs and settles their sum once", async () => {
    const consumer = m.account(3);
    const offering = m.provider.offerings[0]!;
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId: offering.providerId });
    const signer = await m.sessionSigner(consumer, streamId);
    let total = 0n;
    for (const prompt of ["one", "two words", "three short words"]) {
      const res = await m.post("/v1/chat/completions", { model: "echo-1", messages: [{ role: "user", content: prompt }] }, signer);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; claw: { cost: string } };
      assert.match(body.choices[0]!.message.content, new RegExp(prompt.split(" ")[0]!));
      total += BigInt(body.claw.cost);
    }
    const settled = await eventually(() => {
      const s = m.provider.store.read({ types: ["StreamSettled"] }).find((e) => e.type === "StreamSettled" && e.data.streamId === streamId);
      return s?.type === "StreamSettled" ? s : undefined;
    }, 20_000, "settlement");
    assert.equal(settled.data.earned, total);
    const settles = m.provider.store.read({ types: ["SettlementSubmitted"] }).filter((e) => e.type === "SettlementSubmitted" && e.data.streamId === streamId);
    assert.equal(settles.length, 1, "settled exactly once");
  });

  test("streaming SSE ends with usage and billing, then [DONE]", async () => {
    const consumer = m.account(4);
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
    const signer = await m.sessionSigner(consumer, streamId);
    const res = await m.post("/v1/chat/completions", { model: "echo-1", stream: true, messages: [{ role: "user", content: "stream me please" }] }, signer);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    const text = await res.text();
    const events = text.split("\n\n").filter(Boolean);
    assert.equal(events.at(-1), "data: [DONE]");
    const last = JSON.parse(events.at(-2)!.slice(6)) as { usage: unknown; claw: { cost: string; jobId: string } };
    assert.ok(last.usage);
    const job = m.provider.views.jobs.get(last.claw.jobId);
    assert.equal(job?.status, "completed");
    assert.equal(job?.cost, BigInt(last.claw.cost), "the log's cost is the one the consumer was told");
  });
});
