/**
 * Images, audio transcriptions (multipart, signed over the raw bytes), the WebSocket (live event feed
 * and a job's chunks), free routes, graceful shutdown.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { bodyHashOf } from "../runtime/core/payment.ts";
import { startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n;
let m: Market;
let streamId: bigint;

before(async () => {
  m = await startMarket({ offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 50 }, pricePerSecond: price }] });
  ({ streamId } = await m.openStream(m.account(2), { deposit: price * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId }));
});
after(async () => m?.close());

describe("media routes", () => {
  test("an image is PNG bytes, base64, billed", async () => {
    const res = await m.post("/v1/images/generations", { model: "echo-1", prompt: "a red fox", size: "64x64" }, await m.sessionSigner(m.account(2), streamId));
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { data: Array<{ b64_json: string }>; claw: { cost: string } };
    const png = Buffer.from(body.data[0]!.b64_json, "base64");
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "PNG signature");
    assert.ok(BigInt(body.claw.cost) >= 0n);
  });

  test("a multipart transcription is signed over its raw bytes", async () => {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(4000).fill(7)], { type: "audio/wav" }), "hello.wav");
    form.set("model", "echo-1");
    form.set("response_format", "verbose_json");
    const req = new Request("http://x/", { method: "POST", body: form });
    const raw = new Uint8Array(await req.arrayBuffer());
    const signer = await m.sessionSigner(m.account(2), streamId);
    const headers = await signer.headers(raw, { path: "/v1/audio/transcriptions" });
    assert.equal(headers["x-claw-body-hash"], bodyHashOf(raw));
    const res = await fetch(`${m.provider.url}/v1/audio/transcriptions`, { method: "POST", body: raw, headers: { "content-type": req.headers.get("content-type")!, ...headers } });
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { text: string; segments: unknown[] };
    assert.ok(body.text.length > 0);
    assert.ok(Array.isArray(body.segments));
  });
});

describe("the WebSocket", () => {
  test("feeds the event log live and a job's chunks", async () => {
    const ws = new WebSocket(`${m.provider.url.replace("http", "ws")}/v1/ws`);
    const messages: Array<{ type: string; event?: { type: string; data: { jobId?: string } }; chunk?: { type: string } }> = [];
    ws.on("message", (data) => messages.push(JSON.parse(String(data))));
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ type: "subscribe", topic: "events" }));
    ws.send("not json");
    await new Promise((r) => setTimeout(r, 100));
    const res = await m.post("/v1/inference", { prompt: "live feed please" }, await m.sessionSigner(m.account(2), streamId));
    const jobId = res.headers.get("x-claw-job");
    assert.equal(res.status, 200);
    await new Promise((r) => setTimeout(r, 200));
    const types = messages.filter((x) => x.type === "event").map((x) => x.event!.type);
    assert.ok(types.includes("JobAccepted") && types.includes("JobCompleted"), `live events: ${types.join(",")}`);
    assert.ok(messages.some((x) => x.type === "error"), "a bad message gets an error, not a closed socket");
    assert.ok(messages.filter((x) => x.type === "event").every((x) => x.event!.data.jobId === undefined || x.event!.data.jobId === jobId));
    ws.close();
  });
});

describe("free routes", () => {
  test("health, models and a quote that tells how to pay", async () => {
    const health = (await (await fetch(`${m.provider.url}/health`)).json()) as { ok: boolean; backends: Record<string, { ok: boolean }> };
    assert.equal(health.ok, true);
    assert.equal(health.backends["echo-1"]?.ok, true);
    const models = (await (await fetch(`${m.provider.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(models.data.map((d) => d.id), ["echo-1"]);
    const quote = (await (await fetch(`${m.provider.url}/v1/quote?model=echo-1`)).json()) as { pricePerSecond: string; contracts: { streamPay: string }; chainId: number; providerId: string };
    assert.equal(quote.pricePerSecond, price.toString());
    assert.equal(quote.chainId, m.anvil.chainId);
    assert.equal(quote.contracts.streamPay.toLowerCase(), m.contracts.streamPay.toLowerCase());
    const unknown = await fetch(`${m.provider.url}/v1/quote?model=nope`);
    assert.equal(unknown.status, 404);
  });

  test("graceful shutdown lets a running job finish and records it", async () => {
    const pending = m.post("/v1/inference", { prompt: "one two three four five six seven eight nine ten" }, await m.sessionSigner(m.account(2), streamId));
    await new Promise((r) => setTimeout(r, 80));
    const closing = m.provider.close();
    const res = await pending;
    await closing;
    assert.equal(res.status, 200);
    const jobId = res.headers.get("x-claw-job")!;
    m.provider = await m.start();
    assert.equal(m.provider.views.jobs.get(jobId)?.status, "completed");
  });
});
