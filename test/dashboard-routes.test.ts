/**
 * The dashboard's JSON routes and static serving (runtime/server/routes/dashboard.ts) against a real
 * local market: anvil, the contracts, the provider runtime, a real paid job. The first part goes
 * through the runtime's own server; the second mounts the plugin on its own Fastify around the
 * running provider's parts, to check what only `claw dev` turns on and a page that is not built.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { createWalletClient, http, type Address } from "viem";
import { computeRegistryAbi } from "../contracts/generated/abi.ts";
import { registerBodyParsers } from "../runtime/server/body-parsers.ts";
import type { ServerContext } from "../runtime/server/context.ts";
import { registerErrorHandler } from "../runtime/server/error-handler.ts";
import { dashboardRoutes } from "../runtime/server/routes/dashboard.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n;
const dashboardDir = resolve(import.meta.dirname, "../dashboard");

// The page's build (postinstall) does not type-check, so that an install never fails on a type error;
// this does, including the SDK files the page imports from runtime/.
test("dashboard/ type-checks", { timeout: 60_000 }, () => {
  const tsc = join(dashboardDir, "node_modules/typescript/bin/tsc");
  assert.ok(existsSync(tsc), "dashboard/node_modules is missing: run npm install at the root");
  const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"], { cwd: dashboardDir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

describe("dashboard routes", { timeout: 60_000 }, () => {
  let m: Market;
  let base: string;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, headers: res.headers, body: (res.headers.get("content-type") ?? "").includes("json") ? await res.json() : await res.text() };
  };

  before(async () => {
    m = await startMarket({ offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: price }] });
    base = m.provider.url;
    // Another wallet's offering, registered straight on chain: cheaper, and at an endpoint nobody serves.
    const wallet = createWalletClient({ account: m.account(3), chain: m.provider.clients.chain, transport: http(m.anvil.rpcUrl) });
    const hash = await wallet.writeContract({ address: m.contracts.registry, abi: computeRegistryAbi, functionName: "registerProvider", args: ["echo-1", price / 2n, "http://127.0.0.1:9", 0] });
    await m.publicClient.waitForTransactionReceipt({ hash });
    const probe = await fetch(`${base}/v1/dashboard`);
    assert.equal(probe.status, 200, "dashboardRoutes is not registered by the runtime's server (runtime/server/app.ts; see dashboard/README.md)");
  });
  after(async () => m?.close());

  test("GET / serves the built page with a same-origin-only security policy", async () => {
    const page = await get("/");
    assert.equal(page.status, 200);
    assert.match(String(page.body), /<div id="root">/);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(String(page.body))?.[1];
    assert.ok(asset, "the page loads a bundled script");
    const js = await get(asset);
    assert.equal(js.status, 200);
    assert.match(js.headers.get("cache-control") ?? "", /immutable/);
    assert.equal((await get("/no-such-file.txt")).status, 404);
  });

  test("GET /v1/market lists the registry's active providers, cheapest first, with health, and filters by model", async () => {
    const market = (await get("/v1/market")).body as { source: string; providers: Array<{ id: string; wallet: string; pricePerSecond: string; pricePerMinute: string; self: boolean; health: { ok: boolean } }> };
    assert.equal(market.source, "chain");
    assert.equal(market.providers.length, 2);
    const [cheap, own] = market.providers;
    assert.equal(cheap!.pricePerSecond, String(price / 2n));
    assert.equal(cheap!.self, false);
    assert.equal(cheap!.health.ok, false, "nothing answers at 127.0.0.1:9");
    assert.equal(own!.wallet, m.provider.clients.address);
    assert.equal(own!.self, true);
    assert.equal(own!.health.ok, true);
    assert.equal(own!.pricePerMinute, String(price * 60n));
    const none = (await get("/v1/market?model=nothing-like-this")).body as { providers: unknown[] };
    assert.deepEqual(none.providers, []);
  });

  test("GET /v1/dashboard and GET /v1/earnings follow a paid job", async () => {
    const consumer = m.account(2);
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
    const res = await m.post("/v1/chat/completions", { model: "echo-1", messages: [{ role: "user", content: "count my money" }] }, await m.sessionSigner(consumer, streamId));
    assert.equal(res.status, 200);
    const cost = BigInt(((await res.json()) as { claw: { cost: string } }).claw.cost);
    const before = m.provider.store.lastPosition();
    const info = (await get("/v1/dashboard")).body as { chainId: number; wallet: string; dev: boolean; logPosition: number; recentStreams: Array<{ streamId: string; metered: string }> };
    assert.equal(info.chainId, m.anvil.chainId);
    assert.equal(info.wallet, m.provider.clients.address);
    assert.equal(info.dev, false);
    // The chain watcher may append (e.g. the stream's opening) while the route answers.
    assert.ok(info.logPosition >= before && info.logPosition <= m.provider.store.lastPosition(), `log position ${info.logPosition} within [${before}, now]`);
    await eventually(async () => ((await get("/v1/dashboard")).body as typeof info).recentStreams.find((s) => s.streamId === String(streamId) && s.metered === String(cost)), 5_000, "the stream in recentStreams");
    const e = (await get("/v1/earnings")).body as { total: { jobs: number; earned: string }; byOffering: Array<{ model: string; earned: string }>; timeline: { points: Array<{ earned: string }> } };
    assert.equal(e.total.jobs, 1);
    assert.equal(e.total.earned, String(cost));
    assert.deepEqual(e.byOffering.map((o) => [o.model, o.earned]), [["echo-1", String(cost)]]);
    assert.equal(e.timeline.points.reduce((s, p) => s + BigInt(p.earned), 0n), cost);
  });

  test("outside `claw dev` the dev routes do not exist (no key is ever served)", async () => {
    assert.equal((await get("/v1/dev/accounts")).status, 404);
    const rpc = await fetch(`${base}/v1/dev/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }) });
    assert.equal(rpc.status, 404);
  });

  describe("mounted on its own server around the provider's parts", () => {
    let app: FastifyInstance;
    let url: string;
    let emptyDist: string;
    const consumer = () => m.account(4);

    before(async () => {
      emptyDist = mkdtempSync(join(tmpdir(), "claw-no-dist-"));
      const p = m.provider;
      const ctx = {
        chainId: p.chain.chainId, contracts: p.chain.contracts, wallet: p.clients.address, publicUrl: p.url, minJobMs: 100,
        offerings: new Map(p.offerings.map((o) => [o.model, o])), store: p.store, views: p.views,
        health: async () => ({ ok: true, chain: { ok: true, chainId: p.chain.chainId }, store: { ok: true, position: p.store.lastPosition() }, backends: {} }),
        publicClient: p.clients.publicClient,
        dev: { rpcUrl: m.anvil.rpcUrl, accounts: [{ address: consumer().address, privateKey: m.keys[4]! }] },
      } as unknown as ServerContext;
      app = Fastify();
      registerBodyParsers(app, { jsonBytes: 1 << 20, uploadBytes: 1 << 20 });
      registerErrorHandler(app, async () => undefined);
      await app.register(dashboardRoutes(ctx, { distDir: emptyDist }));
      url = await app.listen({ host: "127.0.0.1", port: 0 });
    });
    after(async () => {
      await app?.close();
      rmSync(emptyDist, { recursive: true, force: true });
    });

    test("a page that is not built says how to build it", async () => {
      const res = await fetch(`${url}/`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build/);
    });

    test("GET /v1/dev/accounts lists the consumer dev accounts with their balances", async () => {
      const body = (await (await fetch(`${url}/v1/dev/accounts`)).json()) as { rpcPath: string; accounts: Array<{ address: Address; privateKey: string; balance: string }> };
      assert.equal(body.rpcPath, "/v1/dev/rpc");
      assert.equal(body.accounts.length, 1);
      assert.equal(body.accounts[0]!.address, consumer().address);
      assert.equal(BigInt(body.accounts[0]!.balance), await m.publicClient.getBalance({ address: consumer().address }));
    });

    test("POST /v1/dev/rpc forwards reads and raw transactions, and refuses node-side signing", async () => {
      const call = (method: string, params: unknown[] = []) =>
        fetch(`${url}/v1/dev/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
      const id = (await (await call("eth_chainId")).json()) as { result: string };
      assert.equal(Number(id.result), m.anvil.chainId);
      // Off the allow-list: a JSON-RPC "method not found" (as a node answers; viem probes some methods
      // and falls back), never forwarded to anvil.
      for (const method of ["eth_sendTransaction", "eth_signTypedData_v4", "eth_accounts", "anvil_setBalance", "evm_mine"]) {
        const res = await call(method);
        assert.equal(res.status, 200, method);
        const body = (await res.json()) as { id: number; error?: { code: number; message: string }; result?: unknown };
        assert.equal(body.error?.code, -32601, method);
        assert.match(body.error!.message, /does not forward/);
        assert.equal(body.result, undefined, method);
      }
      const batch = await fetch(`${url}/v1/dev/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }, { jsonrpc: "2.0", id: 2, method: "anvil_mine" }]) });
      const answers = (await batch.json()) as Array<{ id: number; result?: string; error?: { code: number } }>;
      assert.equal(answers.find((a) => a.id === 1)?.result !== undefined, true, "the allowed call of a batch is answered");
      assert.equal(answers.find((a) => a.id === 2)?.error?.code, -32601, "the refused call of a batch is refused");
    });
  });
});
