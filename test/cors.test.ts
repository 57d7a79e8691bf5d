/**
 * Cross-origin access (runtime/server/cors.ts) at the header level, against real provider runtimes on
 * loopback and anvil: a foreign page may preflight and call the buyer routes (paid routes, settle,
 * /health, /v1/models, /v1/quote) and read their answers, refusals included; it gets no CORS header
 * from anything else (dev routes, dashboard JSON, the page, records, the WebSocket, /metrics); never
 * Allow-Credentials; `server.cors.origins` restricts or turns it off; preflights write nothing to the
 * log and are counted by the unpaid rate limit.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Hex } from "viem";
import { WebSocket } from "ws";
import { parseConfig } from "../config/load.ts";
import type { ClawConfig } from "../config/schema.ts";
import { paymentHeaders } from "../runtime/core/payment.ts";
import { startProvider, type RunningProvider } from "../runtime/provider/start.ts";
import { startMarket, type Market } from "./support/market.ts";
import { rawRequest } from "./support/raw-request.ts";

const evil = "https://evil.example";
const friend = "https://app.example";
const proofHeaders = Object.values(paymentHeaders);

const send = rawRequest;

/** The preflight a browser sends before a cross-origin request with the SDK's headers. */
const preflight = (url: string, method: string, origin = evil) =>
  send(url, { method: "OPTIONS", headers: { origin, "access-control-request-method": method, "access-control-request-headers": ["content-type", ...proofHeaders].join(",") } });

const list = (v: unknown) => String(v ?? "").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);

let m: Market;
let dir: string;
const started: RunningProvider[] = [];

/** Another runtime on the market's chain, with its own wallet, log and `server` settings. */
async function runtime(name: string, key: Hex, server: Partial<ClawConfig["server"]>, dev = false): Promise<RunningProvider> {
  const config: ClawConfig = { ...m.config, server: { ...m.config.server, ...server }, store: { ...m.config.store, path: join(dir, `${name}.db`) } };
  const p = await startProvider({
    config, env: { PRIVATE_KEY: key }, logger: pino({ level: "silent" }), graceMs: 2_000,
    chain: { rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, contracts: m.contracts, fromBlock: m.deployed.blockNumber },
    ...(dev ? { dev: { rpcUrl: m.anvil.rpcUrl, accounts: [{ address: m.account(9).address, privateKey: m.keys[9]! }] } } : {}),
  });
  started.push(p);
  return p;
}

before(async () => {
  m = await startMarket();
  dir = mkdtempSync(join(tmpdir(), "claw-cors-"));
});
after(async () => {
  for (const p of started) await p.close().catch(() => undefined);
  await m?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the buyer routes answer a page on another origin", () => {
  const buyerRoutes: Array<[string, string]> = [
    ["POST", "/v1/chat/completions"], ["POST", "/v1/images/generations"], ["POST", "/v1/audio/transcriptions"],
    ["POST", "/v1/inference"], ["POST", "/inference"], ["POST", "/v1/streams/7/settle"],
    ["GET", "/v1/models"], ["GET", "/v1/quote?model=echo-1"], ["GET", "/health"],
  ];

  test("each buyer route's preflight allows the SDK's payment headers, without credentials, and writes nothing", async () => {
    const position = m.provider.store.lastPosition();
    for (const [method, path] of buyerRoutes) {
      const res = await preflight(`${m.provider.url}${path}`, method);
      const where = `${method} ${path}`;
      assert.equal(res.status, 204, where);
      assert.equal(res.headers["access-control-allow-origin"], "*", where);
      assert.ok(list(res.headers["access-control-allow-methods"]).includes(method.toLowerCase()), where);
      for (const h of ["content-type", ...proofHeaders]) assert.ok(list(res.headers["access-control-allow-headers"]).includes(h), `${where} allows ${h}`);
      assert.ok(Number(res.headers["access-control-max-age"]) > 0, where);
      assert.equal(res.headers["access-control-allow-credentials"], undefined, where);
    }
    assert.equal(m.provider.store.lastPosition(), position, "no preflight appended an event (no nonce spent, no job)");
  });

  test("a paid answer, a streamed one and a refusal all reach the page, with the job id readable", async () => {
    const consumer = m.account(3);
    const { streamId } = await m.openStream(consumer, { deposit: 10n ** 15n, duration: 3600n, providerId: m.provider.offerings[0]!.providerId });
    const signer = await m.sessionSigner(consumer, streamId);
    const chat = { model: "echo-1", messages: [{ role: "user", content: "cross origin" }] };
    const paid = await m.post("/v1/chat/completions", chat, signer, { origin: evil });
    assert.equal(paid.status, 200);
    assert.equal(paid.headers.get("access-control-allow-origin"), "*");
    const exposed = list(paid.headers.get("access-control-expose-headers"));
    for (const h of ["x-claw-job", "x-claw-watch", "retry-after"]) assert.ok(exposed.includes(h), `exposes ${h}`);
    assert.ok(paid.headers.get("x-claw-job"));
    assert.equal(paid.headers.get("access-control-allow-credentials"), null);
    assert.match(((await paid.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content, /cross origin/);

    // The SSE answer is written on the raw response (hijacked): the CORS headers must be copied onto it.
    const streamed = await m.post("/v1/chat/completions", { ...chat, stream: true }, signer, { origin: evil });
    assert.equal(streamed.status, 200);
    assert.equal(streamed.headers.get("access-control-allow-origin"), "*");
    assert.match(await streamed.text(), /\[DONE\]/);

    // No proof: the page must be able to read the 402 and its code, not a network error.
    const refused = await m.post("/v1/chat/completions", chat, undefined, { origin: evil });
    assert.equal(refused.status, 402);
    assert.equal(refused.headers.get("access-control-allow-origin"), "*");
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "PAYMENT_REQUIRED");

    const models = await send(`${m.provider.url}/v1/models`, { headers: { origin: evil } });
    assert.equal(models.status, 200);
    assert.equal(models.headers["access-control-allow-origin"], "*");
  });

  test("a request without Origin (curl, the SDK in Node) is unchanged: no CORS headers", async () => {
    const res = await send(`${m.provider.url}/v1/models`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["access-control-allow-origin"], undefined);
  });
});

describe("nothing else opens to a foreign page", () => {
  let dev: RunningProvider;
  before(async () => {
    dev = await runtime("dev", m.keys[6]!, {}, true);
  });

  test("dev routes, dashboard JSON, the page, records and the WebSocket: no preflight, no CORS header", async () => {
    const closed: Array<[string, string]> = [
      ["POST", "/v1/dev/rpc"], ["GET", "/v1/dev/accounts"], ["GET", "/v1/dashboard"], ["GET", "/v1/market"], ["GET", "/v1/earnings"],
      ["GET", "/"], ["GET", "/v1/ws"], ["GET", "/v1/streams/1"], ["GET", "/v1/jobs/x"], ["GET", "/metrics"],
      // a buyer path, asked with a method it does not serve
      ["DELETE", "/v1/chat/completions"], ["POST", "/v1/models"], ["PUT", "/v1/streams/1/settle"],
    ];
    for (const [method, path] of closed) {
      const pre = await preflight(`${dev.url}${path}`, method);
      assert.equal(pre.headers["access-control-allow-origin"], undefined, `OPTIONS ${method} ${path}`);
      assert.equal(pre.headers["access-control-allow-methods"], undefined, `OPTIONS ${method} ${path}`);
      assert.ok(pre.status >= 400, `OPTIONS ${method} ${path} is not answered (${pre.status})`);
      const res = await send(`${dev.url}${path}`, { method: method === "POST" || method === "GET" ? method : "GET", headers: { origin: evil, "content-type": "application/json" }, ...(method === "POST" ? { body: "{}" } : {}) });
      assert.equal(res.headers["access-control-allow-origin"], undefined, `${method} ${path}`);
      assert.equal(res.headers["access-control-allow-credentials"], undefined, `${method} ${path}`);
    }
  });

  test("the dev routes' own Host and Origin refusals still hold", async () => {
    const rpc = await send(`${dev.url}/v1/dev/rpc`, { method: "POST", headers: { origin: evil, "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }) });
    assert.equal(rpc.status, 403);
    assert.equal((await send(`${dev.url}/v1/dev/accounts`, { headers: { origin: evil } })).status, 403);
    assert.equal((await send(`${dev.url}/v1/dev/accounts`, { headers: { host: "evil.example" } })).status, 403);
    assert.equal((await send(`${dev.url}/v1/dev/accounts`, { headers: { origin: dev.url } })).status, 200, "the runtime's own page still gets them");
  });

  test("the WebSocket still refuses a foreign Origin", async () => {
    const ws = new WebSocket(`${dev.url.replace("http", "ws")}/v1/ws`, { headers: { origin: evil } });
    const status = await new Promise<number>((resolve) => {
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("open", () => resolve(101));
      ws.once("error", () => resolve(0));
    });
    ws.terminate();
    assert.equal(status, 403);
  });

  test("the metrics listener sends no CORS header", async () => {
    const url = dev.app.metricsUrl();
    assert.ok(url, "metrics are on");
    for (const method of ["GET", "OPTIONS"]) {
      const res = await send(`${url}/metrics`, { method, headers: { origin: evil, "access-control-request-method": "GET" } });
      assert.equal(res.headers["access-control-allow-origin"], undefined, method);
    }
  });
});

describe("server.cors.origins", () => {
  test("[] turns CORS off on every route", async () => {
    const off = await runtime("off", m.keys[7]!, { cors: { origins: [] } });
    const pre = await preflight(`${off.url}/v1/chat/completions`, "POST");
    assert.equal(pre.headers["access-control-allow-origin"], undefined);
    assert.ok(pre.status >= 400);
    for (const path of ["/v1/models", "/health"]) {
      const res = await send(`${off.url}${path}`, { headers: { origin: evil } });
      assert.equal(res.headers["access-control-allow-origin"], undefined, path);
    }
    const refused = await send(`${off.url}/v1/chat/completions`, { method: "POST", headers: { origin: evil, "content-type": "application/json" }, body: "{}" });
    assert.equal(refused.headers["access-control-allow-origin"], undefined);
  });

  test("a list allows only its origins (the caller's own echoed, Vary: Origin), and preflights count against the unpaid limit", async () => {
    const max = 6;
    const listed = await runtime("listed", m.keys[8]!, { cors: { origins: [friend, "http://127.0.0.1:5173"] }, limits: { ...m.config.server.limits, unpaidPerMinute: max, refusalsPerMinute: 2 } });
    const ok = await preflight(`${listed.url}/v1/chat/completions`, "POST", friend);
    assert.equal(ok.status, 204);
    assert.equal(ok.headers["access-control-allow-origin"], friend);
    assert.ok(list(ok.headers.vary).includes("origin"));
    for (const stranger of [evil, "https://app.example.evil.example", "http://app.example", "null"]) {
      const no = await preflight(`${listed.url}/v1/chat/completions`, "POST", stranger);
      assert.equal(no.headers["access-control-allow-origin"], undefined, stranger);
    }
    const get = await send(`${listed.url}/v1/models`, { headers: { origin: friend } });
    assert.equal(get.headers["access-control-allow-origin"], friend);
    // Refused paid requests (no proof) are not unpaid traffic; past refusalsPerMinute the 429 still reaches the page.
    const unproved = () => send(`${listed.url}/v1/chat/completions`, { method: "POST", headers: { origin: friend, "content-type": "application/json" }, body: JSON.stringify({ model: "echo-1", messages: [{ role: "user", content: "x" }] }) });
    const refusals = [await unproved(), await unproved(), await unproved()];
    assert.deepEqual(refusals.map((r) => r.status), [402, 402, 429]);
    for (const r of refusals) assert.equal(r.headers["access-control-allow-origin"], friend);
    // So far 6 unpaid requests from this IP (5 preflights, 1 GET): the next preflights are over the limit.
    const more = await preflight(`${listed.url}/v1/chat/completions`, "POST", friend);
    assert.equal(more.status, 429, "a preflight over the unpaid limit is refused");
    assert.ok(Number(more.headers["retry-after"]) > 0);
    assert.equal(more.headers["access-control-allow-methods"], undefined);
  });

  test("entries are checked: origins or *, nothing else", () => {
    const base = { offerings: [{ model: "m", backend: "echo", pricePerSecond: 1n }] };
    assert.deepEqual(parseConfig(base).server.cors.origins, ["*"], "any origin by default");
    for (const good of [["*"], [friend], ["http://127.0.0.1:5173", "https://a.example:8443"], []]) {
      assert.deepEqual(parseConfig({ ...base, server: { cors: { origins: good } } }).server.cors.origins, good);
    }
    for (const bad of [["https://a.example/"], ["https://a.example/app"], ["a.example"], ["ftp://a.example"], ["https://*.example"], ["null"], ["HTTPS://A.EXAMPLE"]]) {
      assert.throws(() => parseConfig({ ...base, server: { cors: { origins: bad } } }), /cors/, JSON.stringify(bad));
    }
  });
});
