/**
 * Hostile network (issue 13), the routes that act on other machines: GET /v1/market must not fetch a
 * registered internal URL, and the dev routes (`claw dev` only) must not obey a foreign web page.
 * Loopback targets only: nothing here ever points at a private-range address.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../config/load.ts";
import { createChainClients } from "../runtime/chain/client.ts";
import { ensureRegistered } from "../runtime/chain/register-offering.ts";
import { startDevMarket, type DevMarket } from "../runtime/dev/market.ts";
import { isPublicAddress } from "../runtime/net/public-probe.ts";
import { startMarket, type Market } from "./support/market.ts";
import { rawRequest } from "./support/raw-request.ts";

const send = rawRequest;

describe("GET /v1/market does not fetch registry URLs that resolve to this machine's network", () => {
  let m: Market;
  let target: Server;
  let hits = 0;
  before(async () => {
    m = await startMarket();
    target = createServer((_req, res) => {
      hits += 1;
      res.end("ok");
    });
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", () => r()));
  });
  after(async () => {
    target?.close();
    await m?.close();
  });

  test("a provider registered with a loopback endpoint is listed, not probed", async () => {
    const port = (target.address() as { port: number }).port;
    const clients = createChainClients({ rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, privateKey: m.keys[5]! });
    await ensureRegistered(clients, m.contracts.registry, { model: "internal-1", pricePerSecond: 1n, endpoint: `http://127.0.0.1:${port}`, serviceType: 0 }, { confirmations: 1 });
    const res = await fetch(`${m.provider.url}/v1/market?model=internal-1`);
    const market = (await res.json()) as { providers: Array<{ endpoint: string; health: { ok: boolean; detail?: string } }> };
    assert.equal(market.providers.length, 1);
    assert.equal(market.providers[0]!.health.ok, false);
    assert.match(market.providers[0]!.health.detail ?? "", /not probed/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(hits, 0, "the registered internal URL was never requested");
  });

  test("which addresses count as public", () => {
    const table: Array<[string, boolean, boolean]> = [
      // address, public, public when loopback is allowed (claw dev)
      ["8.8.8.8", true, true], ["2606:4700:4700::1111", true, true],
      ["127.0.0.1", false, true], ["127.8.9.10", false, true], ["::1", false, true], ["::ffff:127.0.0.1", false, true],
      ["10.0.0.1", false, false], ["172.16.5.4", false, false], ["192.168.1.1", false, false], ["169.254.169.254", false, false],
      ["100.64.0.1", false, false], ["0.0.0.0", false, false], ["fd00::1", false, false], ["fe80::1", false, false],
      ["::ffff:10.0.0.1", false, false], ["::ffff:a00:1", false, false], ["::ffff:8.8.8.8", true, true], ["224.0.0.1", false, false], ["not an ip", false, false],
    ];
    for (const [ip, pub, devPub] of table) {
      assert.equal(isPublicAddress(ip), pub, ip);
      assert.equal(isPublicAddress(ip, true), devPub, `${ip} (dev)`);
    }
  });
});

describe("dev mode is local and same-origin", () => {
  let dev: DevMarket;
  let url: string;
  const evil = "http://evil.example";
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-dev-hostile-"));
    const config = parseConfig({
      offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: 1_000_000n }],
      server: { port: 0 }, store: { path: join(dir, "events.db") }, log: { level: "silent" }, metrics: { port: 0 },
      settlement: { idleSeconds: 3600 },
    });
    // root: the repository (the echo plugin is found in its plugins/); nothing is written there.
    dev = await startDevMarket({ config, root: join(import.meta.dirname, ".."), writeInfo: false, storePath: join(dir, "events.db") });
    url = dev.provider.url;
  });
  after(async () => dev?.close());

  const rpc = (body: unknown, headers: Record<string, string>) => send(`${url}/v1/dev/rpc`, { method: "POST", headers, body: JSON.stringify(body) });
  const balance = async (address: string) => {
    const r = await rpc({ jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: [address, "latest"] }, { "content-type": "application/json" });
    return BigInt((JSON.parse(r.body) as { result: string }).result);
  };

  test("a foreign page's RPC changes nothing", async () => {
    const [from, to] = dev.info.accounts.filter((a) => a.role === "consumer");
    const before = await balance(from!.address);
    const tx = { from: from!.address, to: to!.address, value: "0x10f0cf064dd59200000" };
    const attempts: Array<{ body: unknown; headers: Record<string, string> }> = [
      // what the issue reproduced: text/plain (no CORS preflight) from another origin, node-side sending
      { body: { jsonrpc: "2.0", id: 1, method: "eth_sendUnsignedTransaction", params: [tx] }, headers: { "content-type": "text/plain", origin: evil } },
      { body: { jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [tx] }, headers: { "content-type": "application/json", origin: evil } },
      // even same-origin, node-side signing and cheat methods are not forwarded
      { body: { jsonrpc: "2.0", id: 1, method: "eth_sendUnsignedTransaction", params: [tx] }, headers: { "content-type": "application/json" } },
      { body: [{ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }, { jsonrpc: "2.0", id: 2, method: "anvil_setBalance", params: [to!.address, "0x0"] }], headers: { "content-type": "application/json" } },
      // a DNS-rebinding page: its own host name in Host
      { body: { jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }, headers: { "content-type": "application/json", host: "evil.example" } },
    ];
    const answers = [];
    for (const a of attempts) answers.push(await rpc(a.body, a.headers));
    assert.deepEqual(answers.map((a) => a.status), [403, 403, 200, 200, 403]);
    // Same-origin calls off the allow-list get a JSON-RPC "method not allowed" and never reach anvil.
    assert.equal((JSON.parse(answers[2]!.body) as { error: { code: number } }).error.code, -32601);
    const batch = JSON.parse(answers[3]!.body) as Array<{ id: number; result?: string; error?: { code: number } }>;
    assert.ok(batch.find((b) => b.id === 1)?.result, "the allowed call in the batch is answered");
    assert.equal(batch.find((b) => b.id === 2)?.error?.code, -32601);
    assert.equal(await balance(from!.address), before, "the consumer's balance did not move");
    const ok = await rpc({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }, { "content-type": "application/json", origin: url });
    assert.equal(ok.status, 200, "the runtime's own page still reads the chain");
  });

  test("the dev accounts are not handed to another Host or Origin", async () => {
    assert.equal((await send(`${url}/v1/dev/accounts`, { headers: { host: "evil.example" } })).status, 403);
    assert.equal((await send(`${url}/v1/dev/accounts`, { headers: { origin: evil } })).status, 403);
    const own = await send(`${url}/v1/dev/accounts`, { headers: { origin: url } });
    assert.equal(own.status, 200);
    assert.match(own.body, /privateKey/);
  });

  test("anvil does not answer web pages (no CORS)", async () => {
    const res = await send(dev.info.rpcUrl, { method: "POST", headers: { "content-type": "application/json", origin: evil }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }) });
    assert.equal(res.headers["access-control-allow-origin"], undefined);
  });
});
