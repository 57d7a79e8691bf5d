/**
 * createPayingFetch with the official `openai` client against a real local market (anvil, contracts,
 * provider runtimes on loopback): answers stream and not, the cheapest provider is paid exactly what
 * it billed, a spending limit refuses before anything is opened, and a provider that is down is
 * skipped for the next one with one stream opened and one payment.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import type { Address } from "viem";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { createPayingFetch, type PayingFetch } from "../runtime/client/paying-fetch.ts";
import { prices, startConsumerMarket, type ConsumerMarket } from "./consumer-support.ts";

let m: ConsumerMarket;
before(async () => {
  m = await startConsumerMarket();
});
after(() => m?.close());

async function streamsOpenedBy(sender: Address) {
  return m.publicClient.getContractEvents({ address: m.contracts.streamPay, abi: streamPayAbi, eventName: "StreamCreated", args: { sender }, fromBlock: 0n });
}

function client(key: number, extra: Partial<Parameters<typeof createPayingFetch>[0]> = {}): { openai: OpenAI; pay: PayingFetch } {
  const pay = createPayingFetch({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[key]!, contracts: m.contracts, pollingIntervalMs: 50, ...extra } as Parameters<typeof createPayingFetch>[0]);
  // The host is never contacted: the model picks the providers on chain.
  return { openai: new OpenAI({ baseURL: "http://market.invalid/v1", apiKey: "unused", fetch: pay, maxRetries: 0 }), pay };
}

describe("createPayingFetch with the openai client", () => {
  test("stream and non-stream answers on one stream to the cheapest provider; settled for exactly what was billed", async () => {
    const { openai, pay } = client(5);
    const whole = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "paid by fetch" }] });
    assert.equal(whole.choices[0]?.message.content, "paid by fetch");
    const stream = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "token by token" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, "token by token");
    const lanes = await pay.lanes();
    assert.equal(lanes.length, 1, "one stream for both requests");
    assert.equal(lanes[0]!.provider.id, m.cheap.offerings[0]!.providerId);
    const billed = lanes[0]!.metered;
    assert.ok(billed > 0n);
    const receipts = await pay.close();
    assert.equal(receipts.length, 1);
    assert.equal(receipts[0]!.closedBy, "provider-settle");
    assert.equal(receipts[0]!.paid, billed, "the provider got exactly what it billed");
    assert.equal(receipts[0]!.refunded, receipts[0]!.deposit - billed);
    assert.equal((await streamsOpenedBy(m.address(5))).length, 1);
  });

  test("GET /models lists the market's models with their best price", async () => {
    const { openai } = client(5);
    const list = await openai.models.list();
    const echo = list.data.find((x) => x.id === "echo-1") as unknown as { claw: { pricePerSecond: string; providers: number } };
    assert.equal(echo.claw.pricePerSecond, prices.cheap.toString());
    assert.equal(echo.claw.providers, 2);
  });

  test("a spending limit reached is a 402 with a clear code, and no stream is opened", async () => {
    const { openai, pay } = client(6, { limits: { maxSpendPerHour: prices.cheap * 10n }, maxRequestSeconds: 60 });
    await assert.rejects(
      openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "too dear" }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 402 && e.code === "SPEND_LIMIT_REACHED" && /per hour/.test(e.message),
    );
    assert.equal((await streamsOpenedBy(m.address(6))).length, 0);
    assert.deepEqual(await pay.spent(), { hour: 0n, day: 0n });
  });

  test("a price limit below every provider refuses without opening anything", async () => {
    const { openai } = client(6, { limits: { maxPricePerSecond: prices.cheap - 1n } });
    await assert.rejects(
      openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "x" }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.code === "PRICE_ABOVE_MAX",
    );
    assert.equal((await streamsOpenedBy(m.address(6))).length, 0);
  });

  test("a deposit limit too small for one request refuses without opening anything", async () => {
    const { openai } = client(6, { limits: { maxDepositPerStream: prices.cheap * 5n } });
    await assert.rejects(
      openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "x" }] }),
      (e: unknown) => e instanceof OpenAI.APIError && e.status === 402 && e.code === "PRICE_ABOVE_MAX" && /deposit/.test(e.message),
    );
    assert.equal((await streamsOpenedBy(m.address(6))).length, 0);
  });

  test("concurrent first requests share one opening: one stream, every answer right", async () => {
    const { openai, pay } = client(8, { parallel: 3 });
    const asks = ["one", "two", "three"].map((w) => openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: w }] }));
    const answers = (await Promise.all(asks)).map((r) => r.choices[0]?.message.content);
    assert.deepEqual(answers, ["one", "two", "three"]);
    assert.equal((await streamsOpenedBy(m.address(8))).length, 1);
    const [lane] = await pay.lanes();
    assert.equal(lane!.stream.deposit / lane!.stream.durationSeconds, prices.cheap * 3n, "the stream pays for three jobs at once");
    const [receipt] = await pay.close();
    assert.equal(receipt!.paid, lane!.metered);
  });

  test("the cheaper provider is down: answered by the other, one stream opened, charged once", async () => {
    await m.cheap.close();
    const { openai, pay } = client(7, { probe: false });
    const r = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "fail over" }] });
    assert.equal(r.choices[0]?.message.content, "fail over");
    const opened = await streamsOpenedBy(m.address(7));
    assert.equal(opened.length, 1, "nothing was opened to the provider that is down");
    assert.equal(opened[0]!.args.providerId, m.expensive.offerings[0]!.providerId);
    const [receipt] = await pay.close();
    assert.equal(receipt!.closedBy, "provider-settle");
    assert.ok(receipt!.paid > 0n && receipt!.paid === receipt!.metered);
  });
});
