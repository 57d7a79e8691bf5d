/**
 * The paid chat endpoint with the official `openai` client over real HTTP on a local market:
 * text (whole and streamed, usage when asked, claw billing kept), content parts with an inline
 * image, JSON output, capabilities in /v1/models and the quote, and refusals (unsupported field,
 * missing capability, http image URL) answered 400 before payment: no nonce used, nothing billed.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { fakeJsonReply } from "../plugins/testing/fake-tools.ts";
import { payingFetch, startChatMarket, type ChatMarket } from "./support/chat-market.ts";

let cm: ChatMarket;
before(async () => {
  cm = await startChatMarket();
});
after(() => cm?.close());

const png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==";
type Claw = { claw?: { cost: string; jobId: string } };

describe("chat completions with the openai client", () => {
  test("non-streaming and streaming text; usage when asked; the claw billing facts match the log", async () => {
    const { openai } = await cm.client("echo-1");
    const whole = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "hello paid world" }] });
    assert.equal(whole.choices[0]!.message.content, "hello paid world");
    assert.equal(whole.choices[0]!.finish_reason, "stop");
    assert.equal(whole.usage?.completion_tokens, 3);
    const claw = (whole as unknown as Claw).claw!;
    assert.equal(cm.m.provider.views.jobs.get(claw.jobId)?.cost, BigInt(claw.cost));

    const stream = await openai.chat.completions.create({ model: "echo-1", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "token by token" }] });
    let text = "";
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    assert.equal(text, "token by token");
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, [], "usage comes in its own last chunk when include_usage is asked");
    assert.equal(last.usage?.completion_tokens, 3);
    assert.ok((last as unknown as Claw).claw?.cost, "the billing facts ride on the usage chunk");
    assert.equal(chunks.at(-2)!.choices[0]!.finish_reason, "stop");
  });

  test("content parts: text parts and an inline image reach the backend (echo describes the image)", async () => {
    const { openai } = await cm.client("echo-1");
    const r = await openai.chat.completions.create({
      model: "echo-1",
      messages: [{ role: "user", content: [{ type: "text", text: "what is" }, { type: "image_url", image_url: { url: png } }, { type: "text", text: "this" }] }],
    });
    assert.equal(r.choices[0]!.message.content, "what is [image image/png 16 bytes] this");
  });

  test("JSON output: json_object on echo, json_schema passed to an OpenAI-compatible backend", async () => {
    const { openai } = await cm.client("echo-1");
    const r = await openai.chat.completions.create({ model: "echo-1", response_format: { type: "json_object" }, messages: [{ role: "user", content: "as json" }] });
    assert.deepEqual(JSON.parse(r.choices[0]!.message.content!), { echo: "as json" });
    const oa = await cm.client("oa");
    const schema = { type: "object", properties: { fake: { type: "boolean" } }, required: ["fake"] };
    const s = await oa.openai.chat.completions.create({ model: "oa", response_format: { type: "json_schema", json_schema: { name: "out", schema, strict: true } }, messages: [{ role: "user", content: "json please" }] });
    assert.equal(s.choices[0]!.message.content, fakeJsonReply.join(""));
    const sentToBackend = cm.fakes.oa!.received.at(-1)!.json as { response_format: unknown };
    assert.deepEqual(sentToBackend.response_format, { type: "json_schema", json_schema: { name: "out", schema, strict: true } });
  });

  test("/v1/models and the quote advertise each offering's capabilities", async () => {
    const models = (await (await fetch(`${cm.m.provider.url}/v1/models`)).json()) as { data: Array<{ id: string; capabilities: unknown }> };
    const caps = Object.fromEntries(models.data.map((d) => [d.id, d.capabilities]));
    assert.deepEqual(caps["echo-1"], { tools: true, images: true, json: true });
    assert.deepEqual(caps.ol, { tools: true, images: true, json: true });
    assert.deepEqual(caps.tg, { tools: true, images: false, json: false });
    assert.deepEqual(caps.plain, { tools: false, images: false, json: false });
    const quote = (await (await fetch(`${cm.m.provider.url}/v1/quote?model=tg`)).json()) as { capabilities: unknown };
    assert.deepEqual(quote.capabilities, { tools: true, images: false, json: false });
  });

  test("a backend failing after output: the non-streamed answer is the partial text, finish_reason error, billed exactly for it", async () => {
    const { openai, streamId } = await cm.client("oa");
    cm.fakes.oa!.queue("stream-error");
    const r = await openai.chat.completions.create({ model: "oa", messages: [{ role: "user", content: "tell me" }] });
    assert.equal(r.choices[0]!.finish_reason, "error");
    assert.equal(r.choices[0]!.message.content, cm.fakes.oa!.reply[0], "the one token delivered before the failure");
    const claw = (r as unknown as { claw: { cost: string; partial?: { code: string } } }).claw;
    assert.equal(claw.partial?.code, "BACKEND_STREAM_ERROR");
    const [failed] = cm.eventsOf(streamId, "JobFailed");
    assert.equal((failed?.data as { cost?: bigint }).cost, BigInt(claw.cost), "billed what the consumer was told");
  });

  test("a non-streamed answer cut by its budget returns what was delivered, finish_reason length, billed exactly", async () => {
    const { openai, streamId } = await cm.client("echo-slow");
    const prompt = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" "); // 3 s at 20 tokens/s; the job may run 1 s
    const r = await openai.chat.completions.create({ model: "echo-slow", messages: [{ role: "user", content: prompt }] });
    assert.equal(r.choices[0]!.finish_reason, "length");
    const text = r.choices[0]!.message.content!;
    assert.ok(text.length > 0 && prompt.startsWith(text) && text.length < prompt.length, `a strict prefix: ${text}`);
    const claw = (r as unknown as { claw: { cost: string; partial?: { code: string } } }).claw;
    assert.equal(claw.partial?.code, "JOB_BUDGET_CUT");
    const [failed] = cm.eventsOf(streamId, "JobFailed");
    assert.equal((failed?.data as { cost?: bigint }).cost, BigInt(claw.cost), "billed what the consumer was told");
  });

  const refusals: Array<[string, string, Record<string, unknown>, string, string]> = [
    ["n: 2", "echo-1", { n: 2 }, "UNSUPPORTED_FEATURE", "n"],
    ["an http image URL", "echo-1", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://127.0.0.1:1/secret.png" } }] }] }, "UNSUPPORTED_FEATURE", "messages[0].content[0].image_url.url"],
    ["tools to an offering without tools", "plain", { tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }] }, "CAPABILITY_MISSING", "tools"],
    ["an image to an offering without images", "tg", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: png } }] }] }, "CAPABILITY_MISSING", "messages[0].content[0]"],
    ["JSON output from an offering without it", "tg", { response_format: { type: "json_object" } }, "CAPABILITY_MISSING", "response_format"],
  ];
  for (const [what, model, extra, code, param] of refusals) {
    test(`refused before payment: ${what} -> 400 ${code} (${param}); nonce unused, nothing billed`, async () => {
      const c = await cm.client(model);
      const body = { model, messages: [{ role: "user", content: "hi" }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming;
      const err = await c.openai.chat.completions.create(body).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof OpenAI.BadRequestError, `got ${String(err)}`);
      assert.equal(err.status, 400);
      assert.equal(err.code, code);
      assert.equal(err.param, param);
      assert.equal(cm.eventsOf(c.streamId, "JobAccepted", "JobCompleted", "JobFailed").length, 0, "no job, no cost");
      // The refused request's nonce is still free: a valid request signed with it is served.
      const nonce = BigInt(c.sent.at(-1)!.nonce);
      const again = new OpenAI({ baseURL: `${cm.m.provider.url}/v1`, apiKey: "unused", fetch: payingFetch(c.signer, [], { nonce }), maxRetries: 0 });
      const ok = await again.chat.completions.create({ model, messages: [{ role: "user", content: "now valid" }] });
      assert.equal(typeof ok.choices[0]!.message.content, "string");
      assert.equal(cm.eventsOf(c.streamId, "JobAccepted").length, 1);
    });
  }
});
