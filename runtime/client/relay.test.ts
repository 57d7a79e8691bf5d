/**
 * One paid attempt against small local HTTP servers standing in for a provider's answers (status,
 * error bodies, SSE): what fails over, what is committed, and that nothing is committed before output.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Lane } from "./lanes.ts";
import { ClawError } from "../core/errors.ts";
import { attempt, isFaultBeforeOutput, isOutput, shouldFailOver } from "./relay.ts";
import { readMarketRequest, routeOf } from "./openai-request.ts";

type Reply = { status: number; type: string; chunks: string[] };
let reply: Reply;
let server: Server;
let url = "";

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(reply.status, { "content-type": reply.type });
      for (const c of reply.chunks) res.write(c);
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((ok) => server.close(() => ok())));

const lane = () => ({ provider: { endpoint: url, id: 1n }, signer: { headers: async () => ({ "x-claw-nonce": "5", "x-claw-body-hash": "0xab" }) } }) as unknown as Lane;
const chat = async (stream: boolean) => {
  const r = await readMarketRequest(new Request("http://x/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "m", stream, messages: [] }) }));
  if (r.kind !== "paid") throw new Error("expected a paid request");
  return r;
};
const sse = (...events: string[]) => events.map((e) => `data: ${e}\n\n`);
const text = (t: string) => JSON.stringify({ choices: [{ delta: { content: t } }] });

describe("attempt", () => {
  test("5xx, refusals and busy streams fail over; the stream is retired only when it is over", async () => {
    for (const [status, code, retire] of [[500, "BACKEND_UPSTREAM", false], [402, "STREAM_ENDED", true], [409, "NONCE_REPLAYED", false], [429, "STREAM_BUSY", false]] as const) {
      reply = { status, type: "application/json", chunks: [JSON.stringify({ error: { code, message: "no" } })] };
      const a = await attempt(lane(), await chat(false), new AbortController().signal);
      assert.equal(a.ok, false, code);
      if (!a.ok) assert.deepEqual([a.error.details?.providerCode, a.retireLane], [code, retire]);
    }
  });

  test("a malformed request (400) is the caller's: thrown, not failed over", async () => {
    reply = { status: 400, type: "application/json", chunks: [JSON.stringify({ error: { code: "VALIDATION_FAILED", message: "bad" } })] };
    await assert.rejects(attempt(lane(), await chat(false), new AbortController().signal), (e: unknown) => (e as { code: string }).code === "PROVIDER_FAILED");
  });

  test("an SSE error before any output fails over; after output it is forwarded", async () => {
    reply = { status: 200, type: "text/event-stream", chunks: sse(JSON.stringify({ choices: [{ delta: { role: "assistant" } }] }), JSON.stringify({ error: { code: "BACKEND_STREAM_ERROR", message: "x" } })) };
    const early = await attempt(lane(), await chat(true), new AbortController().signal);
    assert.equal(early.ok, false);
    reply = { status: 200, type: "text/event-stream", chunks: sse(text("hi"), JSON.stringify({ error: { code: "BACKEND_STREAM_ERROR", message: "x" } })) };
    const late = await attempt(lane(), await chat(true), new AbortController().signal);
    assert.equal(late.ok, true);
    if (late.ok) assert.match(await late.response.text(), /"hi"[\s\S]*BACKEND_STREAM_ERROR/);
  });

  test("a committed SSE answer is passed through whole and its billing read from the claw chunk", async () => {
    const claw = { jobId: "j1", streamId: "7", meteredMs: 120, cost: "1200", pricePerSecond: "10000" };
    reply = { status: 200, type: "text/event-stream", chunks: sse(text("a"), text("b"), JSON.stringify({ choices: [], claw }), "[DONE]") };
    const a = await attempt(lane(), await chat(true), new AbortController().signal);
    assert.equal(a.ok, true);
    if (!a.ok) return;
    const body = await a.response.text();
    assert.equal((body.match(/^data: /gm) ?? []).length, 4);
    assert.equal((await a.billing)?.cost, 1200n);
    assert.deepEqual(a.proof, { nonce: 5n, bodyHash: "0xab" });
  });

  test("an answer cut before any output fails over (nothing was delivered)", async () => {
    reply = { status: 200, type: "text/event-stream", chunks: [] };
    assert.equal((await attempt(lane(), await chat(true), new AbortController().signal)).ok, false);
  });
});

describe("requests and outputs", () => {
  test("routes by suffix; everything else is not served", () => {
    assert.deepEqual(routeOf("POST", "/openai/v1/chat/completions"), { kind: "paid", route: "chat", path: "/v1/chat/completions" });
    assert.deepEqual(routeOf("GET", "/v1/models/"), { kind: "models" });
    assert.equal(routeOf("GET", "/v1/chat/completions"), undefined);
    assert.equal(routeOf("POST", "/v1/embeddings"), undefined);
  });

  test("bad bodies are refused with codes before anything is paid", async () => {
    const post = (body: string, headers: Record<string, string> = {}) => readMarketRequest(new Request("http://x/v1/chat/completions", { method: "POST", body, headers }));
    await assert.rejects(post("{nope"), (e: unknown) => (e as { code: string }).code === "INVALID_JSON");
    await assert.rejects(post("[]"), (e: unknown) => (e as { code: string }).code === "VALIDATION_FAILED");
    await assert.rejects(post(JSON.stringify({ model: "" })), (e: unknown) => (e as { code: string }).code === "VALIDATION_FAILED");
    await assert.rejects(post(JSON.stringify({ model: "x".repeat(201) })), (e: unknown) => (e as { code: string }).code === "VALIDATION_FAILED");
    await assert.rejects(post("{}", { "content-length": String(26 * 1024 * 1024) }), (e: unknown) => (e as { code: string }).code === "BODY_TOO_LARGE");
    await assert.rejects(readMarketRequest(new Request("http://x/v1/files", { method: "POST", body: "{}" })), (e: unknown) => (e as { code: string }).code === "NOT_FOUND");
  });

  test("output is text, a tool call, a finish or the billing; a role-only delta is not", () => {
    assert.equal(isOutput(JSON.stringify({ choices: [{ delta: { role: "assistant" } }] })), false);
    assert.equal(isOutput(JSON.stringify({ choices: [{ delta: { content: "" } }] })), false);
    assert.equal(isOutput(text("x")), true);
    assert.equal(isOutput(JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: 0 }] } }] })), true);
    assert.equal(isOutput(JSON.stringify({ choices: [{ delta: {}, finish_reason: "stop" }] })), true);
  });

  test("failover statuses", () => {
    assert.deepEqual([500, 502, 503, 401, 402, 409, 429].map((s) => shouldFailOver(s, "X")), [true, true, true, true, true, true, true]);
    assert.equal(shouldFailOver(400, "VALIDATION_FAILED"), false);
    assert.equal(shouldFailOver(400, "CAPABILITY_MISSING"), true);
    assert.equal(shouldFailOver(404, "UNKNOWN_MODEL"), true);
  });

  test("which failures before output are the provider's fault: 5xx, unreachable; not a refusal, a 4xx or a busy queue", () => {
    const failed = (status: number, providerCode: string) => new ClawError("PROVIDER_FAILED", { message: "x", details: { httpStatus: status, providerCode } });
    assert.equal(isFaultBeforeOutput(failed(500, "BACKEND_UPSTREAM")), true);
    assert.equal(isFaultBeforeOutput(new ClawError("PROVIDER_UNREACHABLE", { message: "x" })), true);
    assert.equal(isFaultBeforeOutput(failed(503, "QUEUE_FULL")), false);
    assert.equal(isFaultBeforeOutput(failed(429, "RATE_LIMITED")), false);
    assert.equal(isFaultBeforeOutput(new ClawError("PROVIDER_REFUSED", { message: "x", details: { httpStatus: 402 } })), false);
  });
});
