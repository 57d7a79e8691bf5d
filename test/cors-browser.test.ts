/**
 * A web page on ANOTHER origin buys inference with the SDK (runtime/server/cors.ts): the SDK's source
 * bundled by esbuild for the browser (no shims), served by a tiny static server on its own loopback
 * port, run in Debian's chromium (playwright-core). The browser enforces CORS itself, so the signed
 * cross-origin calls (probe, quote, paid chat, settle) work only if the runtime answers them. The paid
 * request is proved by a MAC session agreed in the browser's WebCrypto (X25519). The same
 * page cannot read the dashboard's JSON. Any console error, uncaught error or request to a host other
 * than 127.0.0.1 fails the run.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { letPageReachAnvil, openWatchedPage } from "./support/browser.ts";
import { echoOffering, startMarket, type Market } from "./support/market.ts";

const root = resolve(import.meta.dirname, "..");
let m: Market;
let site: Server;
let pageOrigin: string;

/** The page's script: the SDK from source, as a bundler would take it. */
const entry = `
  import { createPayingFetch } from ${JSON.stringify(join(root, "runtime/client/index.ts"))};
  window.buy = async ({ rpcUrl, privateKey, registry, streamPay, url }) => {
    const pay = createPayingFetch({ rpcUrl, privateKey, contracts: { registry, streamPay }, pollingIntervalMs: 50 });
    const res = await pay(url, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "echo-1", messages: [{ role: "user", content: "bought from another origin" }] }) });
    const body = await res.json();
    const [receipt] = await pay.close();
    return { status: res.status, error: body.error, answer: body.choices?.[0]?.message?.content, streamId: body.claw?.streamId, paid: String(receipt?.paid), closedBy: receipt?.closedBy };
  };
  window.read = async (url) => {
    try { return { status: (await fetch(url)).status }; } catch (err) { return { blocked: String(err) }; }
  };
`;

before(async () => {
  // A few tokens at 100/s: the job takes tens of milliseconds, so its metered cost is never 0 wei.
  m = await startMarket({ offerings: [{ ...echoOffering, options: { tokensPerSecond: 100 } }] });
  const bundle = await build({ stdin: { contents: entry, resolveDir: root, loader: "js" }, bundle: true, platform: "browser", format: "esm", target: "es2022", write: false, logLevel: "silent" });
  const js = bundle.outputFiles[0]!.text;
  site = createServer((req, res) => {
    if (req.url === "/sdk.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(js);
    if (req.url === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>buyer</title><script type="module" src="/sdk.js"></script>`);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, "127.0.0.1", () => r()));
  pageOrigin = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
});
after(async () => {
  site?.close();
  await m?.close();
});

test("a page on another loopback origin buys one chat answer with the SDK, paid on chain", { timeout: 180_000 }, async () => {
  const providerOrigin = new URL(m.provider.url).origin;
  assert.notEqual(pageOrigin, providerOrigin, "the page is cross-origin to the provider");
  const { browser, page, errors } = await openWatchedPage();
  try {
    // The provider is NOT routed: its CORS answers are the runtime's own.
    await letPageReachAnvil(page, m.anvil.rpcUrl, pageOrigin);
    await page.goto(`${pageOrigin}/`);
    await page.waitForFunction("typeof window.buy === 'function'");
    // The paid request's proof as the browser sent it: Chromium's WebCrypto has X25519, so the SDK
    // agrees a MAC session with the key the quote offers (core/key-agreement.ts), not Ed25519.
    const proofs: Array<{ session?: string; signature?: string }> = [];
    page.on("request", (req) => {
      if (req.method() !== "POST" || !req.url().endsWith("/v1/chat/completions")) return;
      const h = req.headers();
      proofs.push({ session: h["x-claw-session"], signature: h["x-claw-signature"] });
    });
    const before = m.provider.store.lastPosition();
    const args = { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[4]!, registry: m.contracts.registry, streamPay: m.contracts.streamPay, url: `${providerOrigin}/v1/chat/completions` };
    const r = await page.evaluate((a) => (window as unknown as { buy: (a: unknown) => Promise<{ status: number; error?: unknown; answer: string; streamId: string; paid: string; closedBy: string }> }).buy(a), args);
    assert.equal(r.status, 200, JSON.stringify(r.error));
    assert.equal(r.answer, "bought from another origin");
    assert.equal(proofs.length, 1, "one paid request");
    assert.match(proofs[0]!.session ?? "", /^x25519\./, "a MAC session (x25519), agreed in the browser");
    assert.match(proofs[0]!.signature ?? "", /^[A-Za-z0-9_-]{43}$/, "the request carries an HMAC-SHA256 (32 bytes), not an Ed25519 signature");
    // Paid on chain exactly what the provider metered for the page's job.
    const metered = m.provider.store.read({ from: before + 1 }).filter((e) => e.type === "JobCompleted" && String(e.data.streamId) === r.streamId)
      .reduce((sum, e) => sum + (e.type === "JobCompleted" ? e.data.cost : 0n), 0n);
    assert.ok(metered > 0n, "the job was metered");
    assert.equal(BigInt(r.paid), metered, "the provider was paid on chain what it metered");
    // The settle act crossed origins too: the provider logged it and settled (the SDK cancels only when it cannot).
    assert.equal(r.closedBy, "provider-settle");
    const settle = m.provider.store.read({ from: before + 1 }).find((e) => e.type === "SettleRequested");
    assert.ok(settle, "the page's POST /v1/streams/:id/settle reached the runtime");
    assert.deepEqual(errors, []);

    // The same page may read the buyer routes but not the operator's JSON (the browser blocks it).
    const models = await page.evaluate((u) => (window as unknown as { read: (u: string) => Promise<{ status?: number; blocked?: string }> }).read(u), `${providerOrigin}/v1/models`);
    assert.equal(models.status, 200);
    const dashboard = await page.evaluate((u) => (window as unknown as { read: (u: string) => Promise<{ status?: number; blocked?: string }> }).read(u), `${providerOrigin}/v1/dashboard`);
    assert.match(dashboard.blocked ?? "", /Failed to fetch/, "a cross-origin read of /v1/dashboard is blocked");
  } finally {
    await browser.close();
  }
});
