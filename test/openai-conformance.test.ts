/**
 * What OpenAI clients expect, checked against OpenAI's published OpenAPI schemas (an excerpt vendored
 * in support/openai-openapi with its source; Ajv 2020-12): the models list (every model with
 * `created`), a chat completion, every stream chunk and every error body — 400/401/402/404/409/429 from
 * a real provider runtime on anvil (the payment guard and both rate limiters) and from `claw gateway`
 * in front of it. Our own code stays in `error.code`, details beside it.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startGateway, type RunningGateway } from "../runtime/gateway/start.ts";
import { assertOpenAi } from "./support/openai-openapi/validate.ts";
import { echoOffering, startMarket, type Market } from "./support/market.ts";

const LIMIT = 30;
let m: Market;
let gw: RunningGateway;
before(async () => {
  m = await startMarket({ server: { limits: { refusalsPerMinute: LIMIT, unpaidPerMinute: LIMIT * 4 } } });
  gw = await startGateway({
    chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[8]!, contracts: m.contracts, pollingIntervalMs: 50 },
    stateDir: mkdtempSync(join(tmpdir(), "claw-gw-openai-")), port: 0,
  });
});
after(async () => {
  await gw?.close();
  await m?.close();
});

type Err = { error: { code: string; type: string; param: string | null; message: string } };
const chatBody = (o: Record<string, unknown> = {}) => ({ model: echoOffering.model, messages: [{ role: "user", content: "conformance check" }], ...o });

/** The JSON of every SSE data event but [DONE]. */
async function sseEvents(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text.split("\n\n").map((e) => e.trim()).filter((e) => e.startsWith("data: ") && e !== "data: [DONE]").map((e) => JSON.parse(e.slice(6)) as unknown);
}

/** Asserts an error response: its status, our code, and OpenAI's error shape. */
async function assertError(res: Response, status: number, code: string): Promise<Err> {
  const body = (await res.json()) as Err;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.equal(body.error.code, code);
  assertOpenAi("ErrorResponse", body);
  return body;
}

describe("the provider runtime", () => {
  test("/v1/models: every model carries created, stable across calls", async () => {
    const first = await (await fetch(`${m.provider.url}/v1/models`)).json() as { data: Array<{ id: string; created: number }> };
    assertOpenAi("ListModelsResponse", first);
    const again = await (await fetch(`${m.provider.url}/v1/models`)).json() as typeof first;
    assert.ok(first.data.length > 0);
    for (const [i, model] of first.data.entries()) {
      assert.ok(Number.isInteger(model.created) && model.created > 1_700_000_000, `${model.id}: created ${model.created}`);
      assert.equal(again.data[i]!.created, model.created, "the same on every call");
    }
  });

  test("a paid chat completion, and every chunk of a streamed one (with and without include_usage)", async () => {
    const consumer = m.account(2);
    const { streamId } = await m.openStream(consumer, { deposit: echoOffering.pricePerSecond * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
    const signer = await m.sessionSigner(consumer, streamId);
    const whole = await m.post("/v1/chat/completions", chatBody(), signer);
    assert.equal(whole.status, 200);
    assertOpenAi("CreateChatCompletionResponse", await whole.json());
    for (const extra of [{ stream: true, stream_options: { include_usage: true } }, { stream: true }]) {
      const res = await m.post("/v1/chat/completions", chatBody(extra), signer);
      assert.equal(res.status, 200);
      const events = await sseEvents(res);
      assert.ok(events.length >= 3, `${events.length} chunks`);
      for (const chunk of events) assertOpenAi("CreateChatCompletionStreamResponse", chunk);
    }
  });

  test("errors from the routes and the payment guard: 400, 401, 402, 404, 409", async () => {
    const consumer = m.account(3);
    const { streamId } = await m.openStream(consumer, { deposit: echoOffering.pricePerSecond * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
    const signer = await m.sessionSigner(consumer, streamId);
    await assertError(await fetch(`${m.provider.url}/v1/nothing-here`), 404, "NOT_FOUND");
    await assertError(await m.post("/v1/chat/completions", { model: "echo-1" }, signer), 400, "VALIDATION_FAILED");
    const unsupported = await assertError(await m.post("/v1/chat/completions", chatBody({ n: 2 }), signer), 400, "UNSUPPORTED_FEATURE");
    assert.equal(unsupported.error.param, "n", "param names the field");
    const unpaid = await assertError(await m.post("/v1/chat/completions", chatBody()), 402, "PAYMENT_REQUIRED");
    assert.equal(unpaid.error.type, "insufficient_quota");
    const forger = m.directSigner(m.account(4), streamId);
    await assertError(await m.post("/v1/chat/completions", chatBody(), forger), 401, "SIGNATURE_INVALID");
    const text = JSON.stringify(chatBody());
    const proof = await signer.headers(text, { path: "/v1/chat/completions" });
    const send = () => fetch(`${m.provider.url}/v1/chat/completions`, { method: "POST", body: text, headers: { "content-type": "application/json", ...proof } });
    assert.equal((await send()).status, 200);
    await assertError(await send(), 409, "NONCE_REPLAYED");
  });
});

describe("claw gateway", () => {
  const auth = () => ({ authorization: `Bearer ${gw.key}`, "content-type": "application/json" });
  const post = (body: unknown, headers: Record<string, string> = auth(), path = "/v1/chat/completions") =>
    fetch(`${gw.url}${path}`, { method: "POST", body: JSON.stringify(body), headers });

  test("/v1/models: the market's models, each with created (the provider's registration time)", async () => {
    const list = await (await fetch(`${gw.url}/v1/models`, { headers: auth() })).json() as { data: Array<{ id: string; created: number }> };
    assertOpenAi("ListModelsResponse", list);
    const echo = list.data.find((x) => x.id === echoOffering.model);
    assert.ok(echo && echo.created > 1_700_000_000, JSON.stringify(echo));
  });

  test("a chat completion and every chunk of a streamed one", async () => {
    const whole = await post(chatBody());
    assert.equal(whole.status, 200);
    assertOpenAi("CreateChatCompletionResponse", await whole.json());
    const streamed = await post(chatBody({ stream: true, stream_options: { include_usage: true } }));
    assert.equal(streamed.status, 200);
    const events = await sseEvents(streamed);
    assert.ok(events.length >= 3);
    for (const chunk of events) assertOpenAi("CreateChatCompletionStreamResponse", chunk);
  });

  test("errors: 400, 401, 402, 404", async () => {
    await assertError(await post(chatBody(), { "content-type": "application/json" }), 401, "GATEWAY_KEY_INVALID");
    await assertError(await fetch(`${gw.url}/v1/nothing-here`, { headers: auth() }), 404, "NOT_FOUND");
    const noModel = await assertError(await post({ messages: [] }), 400, "VALIDATION_FAILED");
    assert.equal(noModel.error.param, "model");
    await assertError(await post(chatBody({ model: "no-such-model" })), 404, "NO_PROVIDER");
    const capped = await startGateway({
      chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[7]!, contracts: m.contracts, pollingIntervalMs: 50 },
      stateDir: mkdtempSync(join(tmpdir(), "claw-gw-capped-")), port: 0, limits: { maxPricePerSecond: 1n },
    });
    try {
      const res = await fetch(`${capped.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify(chatBody()), headers: { authorization: `Bearer ${capped.key}`, "content-type": "application/json" } });
      await assertError(res, 402, "PRICE_ABOVE_MAX");
    } finally {
      await capped.close();
    }
  });
});

// Last: they leave 127.0.0.1 over the runtime's limits for the rest of the minute.
describe("the runtime's rate limiters", () => {
  test("429 from the refusal limit and from the unpaid-route limit", async () => {
    let last: Response | undefined;
    for (let i = 0; i <= LIMIT; i++) last = await m.post("/v1/chat/completions", chatBody());
    await assertError(last!, 429, "RATE_LIMITED");
    for (let i = 0; i <= LIMIT * 4; i++) {
      last = await fetch(`${m.provider.url}/v1/quote?model=echo-1`);
      if (last.status === 429) break;
      await last.arrayBuffer();
    }
    const limited = await assertError(last!, 429, "RATE_LIMITED");
    assert.equal(limited.error.type, "rate_limit_error");
    assert.ok(last!.headers.get("retry-after"));
  });
});
