/**
 * Provider-signed job receipts, end to end on anvil: every paid route's answer (chat streamed and
 * not, /v1/inference, images, transcriptions, a budget-cut partial answer, a streamed answer cut by
 * a backend failure) carries `claw.receipt`,
 * signed by the provider's wallet over the proof the consumer sent, the billed cost, the stream's
 * running total and the digest of exactly what the consumer received. Checked from the consumer's
 * own numbers (its nonce, the hash of the bytes it sent, the text it read) with verifyReceipt, and
 * through the SDK (ask, image, transcribe return the verified receipt).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bodyHashOf, paymentHeaders } from "../runtime/core/payment.ts";
import { outputDigest, receiptFromWire, receiptSigner, type DeliveredOutput, type SignedReceipt } from "../runtime/core/receipt.ts";
import { createClawClient, type ClawClient } from "../runtime/client/index.ts";
import type { PaymentSigner } from "../runtime/client/payment-signer.ts";
import { verifyReceipt, type SentProof } from "../runtime/client/verify-receipt.ts";
import type { Market } from "./support/market.ts";
import { startMediaMarket } from "./support/media-market.ts";
import { startFakeOpenAI } from "../plugins/testing/fake-openai.ts";
import type { FakeServer } from "../plugins/testing/fake-server.ts";

const price = 1_000_000n; // wei per second
let market: Awaited<ReturnType<typeof startMediaMarket>> | undefined;
let m: Market;
let oa: FakeServer | undefined;

before(async () => {
  oa = await startFakeOpenAI("openai");
  market = await startMediaMarket((u) => [
    { model: "oa", backend: "openai", options: { baseUrl: `${oa!.url}/v1`, retries: 0 }, pricePerSecond: price },
    { model: "echo-1", backend: "echo", options: { tokensPerSecond: 200 }, pricePerSecond: price },
    // One second of budget per job at 10 words/s: an 80-word answer is cut by its budget.
    { model: "echo-slow", backend: "echo", options: { tokensPerSecond: 10 }, pricePerSecond: price, maxJobSeconds: 1 },
    { model: "sd", backend: "diffusion", options: { api: "a1111", baseUrl: u.sd, ...u.http }, pricePerSecond: price },
    { model: "whisper", backend: "whisper", options: { api: "openai", baseUrl: `${u.stt}/v1`, ...u.http }, pricePerSecond: price },
  ]);
  m = market.m;
});
after(async () => {
  await market?.close();
  await oa?.close();
});

const offering = (model: string) => m.provider.offerings.find((o) => o.model === model)!;
const longPrompt = Array.from({ length: 80 }, (_, i) => `word${i}`).join(" ");
type Claw = { cost: string; meteredMs: number; jobId: string; partial?: { code: string }; receipt?: unknown };

async function openFor(model: string, account = 2) {
  const consumer = m.account(account);
  const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId: offering(model).providerId });
  return { streamId, signer: await m.sessionSigner(consumer, streamId) };
}

/** A signed POST; `sent` is what the consumer itself knows of its request (its nonce, the hash of its bytes). */
async function paidPost(signer: PaymentSigner, path: string, body: unknown): Promise<{ res: Response; sent: SentProof }> {
  const text = JSON.stringify(body);
  const headers = await signer.headers(text, { path });
  const res = await fetch(`${m.provider.url}${path}`, { method: "POST", body: text, headers: { ...headers, "content-type": "application/json" } });
  return { res, sent: { streamId: BigInt(headers[paymentHeaders.stream]!), nonce: BigInt(headers[paymentHeaders.nonce]!), requestHash: bodyHashOf(text) } };
}

/** Verifies `claw.receipt` from the consumer's side and checks it recovers to the provider's wallet. */
async function assertReceipt(claw: Claw | undefined, sent: SentProof, model: string, received: DeliveredOutput): Promise<SignedReceipt> {
  assert.ok(claw, "the answer carries claw");
  const receipt = receiptFromWire(claw.receipt);
  assert.ok(receipt, `a well-formed claw.receipt: ${JSON.stringify(claw.receipt)?.slice(0, 200)}`);
  const check = await verifyReceipt(receipt, {
    domain: m.domain, recipient: m.provider.clients.address, pricePerSecond: price, maxJobMs: offering(model).maxJobMs,
    sent, billedCost: BigInt(claw.cost), received,
  });
  assert.ok(check.ok, check.ok ? "" : `${check.mismatch}: ${check.message}`);
  assert.equal(await receiptSigner(m.domain, receipt), m.provider.clients.address);
  assert.equal(receipt.outputHash, outputDigest(received));
  assert.equal(receipt.jobId, claw.jobId);
  assert.equal(receipt.model, model);
  assert.equal(receipt.meteredMs, BigInt(claw.meteredMs));
  return receipt;
}

/** Reads an SSE chat answer the way any client would: content, tool calls by index, the chunk with `claw`. */
async function readSse(res: Response) {
  const text = await res.text();
  let content = "";
  let claw: Claw | undefined;
  let finish: string | undefined;
  const calls = new Map<number, { name: string; arguments: string }>();
  for (const block of text.split("\n\n")) {
    const data = block.replace(/^data: /, "");
    if (!data || data === "[DONE]") continue;
    const c = JSON.parse(data) as { choices: Array<{ delta: { content?: string; tool_calls?: Array<{ index: number; function: { name?: string; arguments?: string } }> }; finish_reason: string | null }>; claw?: Claw };
    for (const ch of c.choices) {
      content += ch.delta.content ?? "";
      for (const d of ch.delta.tool_calls ?? []) {
        const call = calls.get(d.index) ?? { name: "", arguments: "" };
        call.name ||= d.function.name ?? "";
        call.arguments += d.function.arguments ?? "";
        calls.set(d.index, call);
      }
      finish = ch.finish_reason ?? finish;
    }
    claw ??= c.claw;
  }
  return { content, claw, finish, toolCalls: [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c) };
}

describe("every paid route's answer carries a receipt the consumer can verify", () => {
  test("/v1/inference: two jobs on one stream; the second receipt's cumulative cost is the sum of both", async () => {
    const { streamId, signer } = await openFor("echo-1");
    const receipts: SignedReceipt[] = [];
    for (const prompt of ["first job on the stream", "second job on the same stream"]) {
      const { res, sent } = await paidPost(signer, "/v1/inference", { prompt, model: "echo-1" });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { response: string; claw: Claw };
      receipts.push(await assertReceipt(body.claw, sent, "echo-1", { text: body.response }));
    }
    const [a, b] = receipts as [SignedReceipt, SignedReceipt];
    assert.ok(a.cost > 0n && b.cost > 0n);
    assert.equal(a.cumulativeCost, a.cost, "the first job on a fresh stream");
    assert.equal(b.cumulativeCost, a.cost + b.cost, "the stream's total after the second job");
    assert.equal(m.provider.views.streams.get(streamId)?.metered, b.cumulativeCost, "what the provider's log has");
  });

  test("chat, non-streamed and streamed (with and without include_usage), text and tool calls", async () => {
    const { signer } = await openFor("echo-1", 3);
    const plain = await paidPost(signer, "/v1/chat/completions", { model: "echo-1", messages: [{ role: "user", content: "hello receipts" }] });
    const chat = (await plain.res.json()) as { choices: Array<{ message: { content: string } }>; claw: Claw };
    await assertReceipt(chat.claw, plain.sent, "echo-1", { text: chat.choices[0]!.message.content });

    for (const includeUsage of [false, true]) {
      const streamed = await paidPost(signer, "/v1/chat/completions", {
        model: "echo-1", stream: true, messages: [{ role: "user", content: "stream the receipt" }], ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
      });
      const sse = await readSse(streamed.res);
      assert.match(sse.content, /receipt/);
      await assertReceipt(sse.claw, streamed.sent, "echo-1", { text: sse.content });
    }

    const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
    const called = await paidPost(signer, "/v1/chat/completions", { model: "echo-1", stream: true, tools, messages: [{ role: "user", content: "get_weather for Paris please" }] });
    const sse = await readSse(called.res);
    assert.equal(sse.toolCalls.length, 1, "echo asked for the tool");
    assert.equal(sse.finish, "tool_calls");
    const receipt = await assertReceipt(sse.claw, called.sent, "echo-1", { text: sse.content, toolCalls: sse.toolCalls });
    assert.notEqual(receipt.outputHash, outputDigest({ text: sse.content }), "the tool calls are part of the digest");
  });

  test("a budget-cut answer (inference and streamed chat) carries a receipt for the billed partial cost", async () => {
    const { streamId, signer } = await openFor("echo-slow", 4);
    const cut = await paidPost(signer, "/v1/inference", { prompt: longPrompt, model: "echo-slow" });
    const body = (await cut.res.json()) as { response: string; finish_reason: string; claw: Claw };
    assert.equal(body.finish_reason, "length");
    assert.equal(body.claw.partial?.code, "JOB_BUDGET_CUT");
    const words = body.response.split(" ").length;
    assert.ok(words > 0 && words < 80, `${words} of 80 words delivered`);
    const receipt = await assertReceipt(body.claw, cut.sent, "echo-slow", { text: body.response });
    const failed = m.provider.store.read({ types: ["JobFailed"] }).find((e) => e.type === "JobFailed" && e.data.jobId === body.claw.jobId);
    assert.ok(failed?.type === "JobFailed");
    assert.ok(receipt.cost > 0n);
    assert.equal(receipt.cost, failed.data.cost, "the receipt signs what the log billed");

    const streamed = await paidPost(signer, "/v1/chat/completions", { model: "echo-slow", stream: true, messages: [{ role: "user", content: longPrompt }] });
    const sse = await readSse(streamed.res);
    assert.equal(sse.finish, "length", "a cut stream ends like a cut answer, not with an error event");
    assert.equal(sse.claw?.partial?.code, "JOB_BUDGET_CUT");
    const partial = await assertReceipt(sse.claw, streamed.sent, "echo-slow", { text: sse.content });
    assert.equal(partial.cumulativeCost, receipt.cost + partial.cost);
    assert.equal(m.provider.views.streams.get(streamId)?.metered, partial.cumulativeCost);
  });

  test("a streamed answer cut by a backend failure: the error event carries claw beside it, receipted for the text delivered", async () => {
    const { signer } = await openFor("oa", 7);
    oa!.queue("stream-error");
    const { res, sent } = await paidPost(signer, "/v1/chat/completions", { model: "oa", stream: true, messages: [{ role: "user", content: "say something" }] });
    const events = (await res.text()).split("\n\n").map((b) => b.replace(/^data: /, "")).filter((d) => d && d !== "[DONE]").map((d) => JSON.parse(d) as { choices?: Array<{ delta: { content?: string } }>; error?: { code: string }; claw?: Claw });
    const failed = events.find((e) => e.error);
    assert.equal(failed?.error?.code, "BACKEND_STREAM_ERROR", "OpenAI clients still see the failure");
    const content = events.flatMap((e) => e.choices ?? []).map((c) => c.delta.content ?? "").join("");
    assert.ok(content.length > 0, "a token was delivered before the failure");
    const receipt = await assertReceipt(failed?.claw, sent, "oa", { text: content });
    const ended = m.provider.store.read({ types: ["JobFailed"] }).find((e) => e.type === "JobFailed" && e.data.jobId === receipt.jobId);
    assert.ok(ended?.type === "JobFailed");
    assert.equal(receipt.cost, ended.data.cost);
    assert.equal(failed?.claw?.partial?.code, "BACKEND_STREAM_ERROR");
  });

  test("a tampered receipt (cost changed) or one checked against other output fails verification", async () => {
    const { signer } = await openFor("echo-1", 5);
    const { res, sent } = await paidPost(signer, "/v1/inference", { prompt: "tamper with me", model: "echo-1" });
    const body = (await res.json()) as { response: string; claw: Claw };
    const receipt = await assertReceipt(body.claw, sent, "echo-1", { text: body.response });
    const terms = { domain: m.domain, recipient: m.provider.clients.address, pricePerSecond: price, maxJobMs: offering("echo-1").maxJobMs, sent };
    const cheaper = await verifyReceipt({ ...receipt, cost: receipt.cost - 1n }, { ...terms, billedCost: receipt.cost - 1n, received: { text: body.response } });
    assert.equal(cheaper.ok ? "ok" : cheaper.mismatch, "signer", "a changed cost no longer recovers to the provider");
    const other = await verifyReceipt(receipt, { ...terms, billedCost: receipt.cost, received: { text: `${body.response}!` } });
    assert.equal(other.ok ? "ok" : other.mismatch, "outputHash");
    const replayed = await verifyReceipt(receipt, { ...terms, sent: { ...sent, nonce: sent.nonce + 1n }, billedCost: receipt.cost, received: { text: body.response } });
    assert.equal(replayed.ok ? "ok" : replayed.mismatch, "nonce");
  });
});

describe("the SDK verifies and returns each answer's receipt", () => {
  let claw: ClawClient;
  before(async () => {
    claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[6]!, contracts: m.contracts, pollingIntervalMs: 100 });
  });

  test("ask (text, then tool calls), image and transcribe: a verified jobReceipt, no receiptError", async () => {
    const chat = await claw.openSession({ model: "echo-1", expectedSeconds: 20, probe: false });
    try {
      const first = await chat.ask("hello from the sdk");
      assert.equal(first.receiptError, undefined, first.receiptError?.message);
      assert.ok(first.jobReceipt);
      assert.equal(first.jobReceipt.outputHash, outputDigest({ text: first.text }));
      assert.equal(await receiptSigner(m.domain, first.jobReceipt), m.provider.clients.address);
      const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
      const second = await chat.ask("get_weather for Paris please", { tools });
      assert.equal(second.toolCalls.length, 1);
      assert.equal(second.receiptError, undefined, second.receiptError?.message);
      assert.equal(second.jobReceipt?.cumulativeCost, first.billing.cost + second.billing.cost);
      assert.deepEqual(chat.receiptErrors, []);
    } finally {
      await chat.close();
    }

    const images = await claw.openSession({ model: "sd", expectedSeconds: 20, probe: false });
    try {
      const r = await images.image("a red fox", { n: 2 });
      assert.equal(r.images.length, 2);
      assert.equal(r.receiptError, undefined, r.receiptError?.message);
      assert.equal(r.jobReceipt?.outputHash, outputDigest({ images: r.images }));
      assert.equal(r.jobReceipt?.cost, r.billing.cost);
    } finally {
      await images.close();
    }

    const audio = await claw.openSession({ model: "whisper", expectedSeconds: 20, probe: false });
    try {
      const r = await audio.transcribe(new Uint8Array(2000).fill(3), { filename: "hello.wav", mimeType: "audio/wav" });
      assert.ok(r.text.length > 0);
      assert.equal(r.receiptError, undefined, r.receiptError?.message);
      assert.equal(r.jobReceipt?.outputHash, outputDigest({ text: r.text }));
    } finally {
      await audio.close();
    }
  });
});
