/**
 * Bounded reading in one paid attempt, against a local HTTP server that writes large answers lazily
 * (with backpressure, never held whole): JSON bodies, one endless SSE event, an endless SSE answer
 * after output, tool-call arguments, error bodies — each capped, the provider's body cancelled early
 * (the server sees its connection closed long before its answer is written) and a fault reported.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type ServerResponse, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { answerLimits } from "./answer-limits.ts";
import type { Lane } from "./lanes.ts";
import { attempt } from "./relay.ts";
import { readMarketRequest } from "./openai-request.ts";

type Reply = { status: number; type: string; head?: string; repeat: string; times: number; tail?: string };
let reply: Reply;
let written = 0;
let server: Server;
let url = "";

/** Writes head, `repeat` × `times`, tail; waits for drain; stops when the client goes away. */
async function writeLazily(res: ServerResponse, r: Reply): Promise<void> {
  let gone = false;
  res.on("close", () => (gone = true));
  const write = async (s: string) => {
    written += s.length;
    if (!res.write(s)) await new Promise<void>((ok) => { res.once("drain", ok); res.once("close", ok); });
  };
  if (r.head) await write(r.head);
  for (let i = 0; i < r.times && !gone; i++) await write(r.repeat);
  if (!gone && r.tail) await write(r.tail);
  res.end();
}

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      written = 0;
      res.writeHead(reply.status, { "content-type": reply.type });
      void writeLazily(res, reply);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }));

const lane = () => ({ provider: { endpoint: url, id: 1n }, signer: { headers: async () => ({ "x-claw-nonce": "5", "x-claw-body-hash": "0xab" }) } }) as unknown as Lane;
const chat = async (stream: boolean) => {
  const r = await readMarketRequest(new Request("http://x/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "m", stream, messages: [] }) }));
  if (r.kind !== "paid") throw new Error("expected a paid request");
  return r;
};
const MB = 1024 * 1024;
const limits = answerLimits({ maxBodyBytes: MB, maxEventBytes: 64 * 1024, maxStreamBytes: 2 * MB, maxToolArgumentsBytes: 100 * 1024, maxErrorBytes: 8 * 1024 });
const kB = "x".repeat(1024);
const faultsOf = () => {
  const faults: string[] = [];
  return { faults, onFault: (kind: string) => void faults.push(kind) };
};
const tooLarge = (e: unknown) => (e as { code: string; details?: { providerCode?: string } }).code === "PROVIDER_FAILED" && (e as { details: { providerCode: string } }).details.providerCode === "ANSWER_TOO_LARGE";

describe("bounded answers", () => {
  test("a 200 MB JSON answer: the request ends at the cap, the provider's body is dropped, an oversized fault", async () => {
    reply = { status: 200, type: "application/json", head: '{"choices":[{"message":{"content":"', repeat: kB, times: 200 * 1024, tail: '"}}]}' };
    const f = faultsOf();
    await assert.rejects(attempt(lane(), await chat(false), new AbortController().signal, { limits, onFault: f.onFault }), tooLarge);
    assert.deepEqual(f.faults, ["oversized-answer"]);
    await new Promise((ok) => setTimeout(ok, 200));
    assert.ok(written < 50 * MB, `the server stopped writing early (wrote ${written} bytes)`);
  });

  test("one endless SSE event (no line end) is cut at the event cap before any output", async () => {
    reply = { status: 200, type: "text/event-stream", head: "data: ", repeat: kB, times: 200 * 1024 };
    const f = faultsOf();
    await assert.rejects(attempt(lane(), await chat(true), new AbortController().signal, { limits, onFault: f.onFault }), tooLarge);
    assert.deepEqual(f.faults, ["oversized-answer"]);
  });

  test("an endless SSE answer after output: what was delivered, then an OpenAI-shaped error event, then the end", async () => {
    const ev = `data: ${JSON.stringify({ choices: [{ delta: { content: kB } }] })}\n\n`;
    reply = { status: 200, type: "text/event-stream", repeat: ev, times: 200 * 1024 };
    const f = faultsOf();
    const a = await attempt(lane(), await chat(true), new AbortController().signal, { limits, onFault: f.onFault });
    assert.equal(a.ok, true);
    if (!a.ok) return;
    const body = await a.response.text();
    assert.ok(body.length < 3 * MB, "no more than the stream cap was passed on");
    const last = body.trim().split("\n\n").at(-1)!;
    const err = JSON.parse(last.slice("data: ".length)) as { error: { code: string; type: string; message: string; providerCode: string } };
    assert.equal(err.error.code, "PROVIDER_FAILED");
    assert.equal(err.error.providerCode, "ANSWER_TOO_LARGE");
    assert.equal(err.error.type, "server_error");
    assert.deepEqual(f.faults, ["oversized-answer"]);
    const d = await a.delivery;
    assert.equal(d.cut?.details?.providerCode, "ANSWER_TOO_LARGE");
    assert.equal(d.billing, undefined, "no billing arrived");
  });

  test("tool-call arguments past their cap end the answer", async () => {
    const ev = `data: ${JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: kB.repeat(16) } }] } }] })}\n\n`;
    reply = { status: 200, type: "text/event-stream", repeat: ev, times: 100 };
    const f = faultsOf();
    const a = await attempt(lane(), await chat(true), new AbortController().signal, { limits, onFault: f.onFault });
    assert.equal(a.ok, true);
    if (!a.ok) return;
    assert.match(await a.response.text(), /tool-call arguments larger than 102400 bytes/);
    assert.deepEqual(f.faults, ["oversized-answer"]);
  });

  test("a 100 MB error body is read up to its cap only, and is a failure before output", async () => {
    reply = { status: 500, type: "application/json", head: '{"error":{"message":"', repeat: kB, times: 100 * 1024 };
    const f = faultsOf();
    const a = await attempt(lane(), await chat(false), new AbortController().signal, { limits, onFault: f.onFault });
    assert.equal(a.ok, false);
    if (a.ok) return;
    assert.equal(a.error.details?.httpStatus, 500);
    assert.ok(a.error.message.length < 1000);
    assert.deepEqual(f.faults, ["failed-before-first-token"]);
  });

  test("an answer ended by our own signal (the caller left, the time cap) is no fault of the provider, and is not judged", async () => {
    const ev = `data: ${JSON.stringify({ choices: [{ delta: { content: "x" } }] })}\n\n`;
    reply = { status: 200, type: "text/event-stream", repeat: ev, times: 10_000_000 };
    const f = faultsOf();
    const ours = new AbortController();
    const a = await attempt(lane(), await chat(true), ours.signal, { limits, onFault: f.onFault });
    assert.equal(a.ok, true);
    if (!a.ok) return;
    const reader = a.response.body!.getReader();
    await reader.read();
    ours.abort();
    while (!(await reader.read()).done);
    const d = await a.delivery;
    assert.equal(d.cancelled, true);
    assert.equal(d.cut, undefined);
    assert.deepEqual(f.faults, []);
  });

  test("an SSE event that is not JSON is a malformed-answer fault; the answer's output digest follows what was relayed", async () => {
    const ev = (t: string) => `data: ${JSON.stringify({ choices: [{ delta: { content: t } }] })}\n\n`;
    reply = { status: 200, type: "text/event-stream", head: ev("a") + ev("b") + "data: {nope\n\n", repeat: ev("c"), times: 1, tail: "data: [DONE]\n\n" };
    const f = faultsOf();
    const a = await attempt(lane(), await chat(true), new AbortController().signal, { limits, onFault: f.onFault });
    assert.equal(a.ok, true);
    if (!a.ok) return;
    await a.response.text();
    assert.deepEqual(f.faults, ["malformed-answer"]);
    assert.equal((await a.delivery).output.text, "abc");
  });
});
