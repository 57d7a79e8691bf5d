/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against a real local
 * market from `claw dev`'s startDevMarket: anvil, the contracts, the runtime serving dashboard/dist.
 * A person can look at what it saw: screenshots go to test-results/screenshots/.
 * Any console error, uncaught page error, or request to a host other than this machine fails the run.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { createWalletClient, http, parseEventLogs, type Address, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { computeRegistryAbi, streamPayAbi } from "../contracts/generated/abi.ts";
import { parseConfig } from "../config/load.ts";
import { startDevMarket, type DevMarket } from "../runtime/dev/market.ts";
import { dashboardDist } from "../runtime/server/routes/dashboard.ts";
import { rateStream } from "../runtime/chain/actions/rate-stream.ts";
import { createChainClients } from "../runtime/chain/client.ts";

const root = resolve(import.meta.dirname, "..");
const shots = join(root, "test-results", "screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const PROMPT = "please echo these twelve words back to me one by one slowly";

/**
 * A minimal injected wallet (EIP-1193 `window.ethereum`) for the wagmi path: it answers for one
 * account and hands every request to anvil, whose dev accounts are unlocked, so anvil itself signs
 * eth_sendTransaction and eth_signTypedData_v4 as a real wallet would. A string for the same reason
 * as below.
 */
const fakeWallet = (rpcUrl: string, address: string) => `(() => {
  let id = 0;
  const rpc = async (method, params) => {
    const res = await fetch(${JSON.stringify(rpcUrl)}, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params || [] }) });
    const body = await res.json();
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
    return body.result;
  };
  window.ethereum = {
    isMetaMask: false,
    request: ({ method, params }) => (method === "eth_requestAccounts" || method === "eth_accounts") ? Promise.resolve([${JSON.stringify(address)}]) : rpc(method, params),
    on() {}, removeListener() {},
  };
})()`;

/**
 * The lowest WCAG contrast ratio of any visible text on the page against its nearest opaque
 * background. A string, so the test runner's transpiler cannot add helpers the page does not have.
 */
const LOWEST_CONTRAST = `(() => {
  // "rgb(r, g, b[, a])" or, for color-mix(), "color(srgb r g b[ / a])" with channels in 0..1.
  const rgb = (c) => {
    const n = (c.match(/[\\d.]+/g) || []).map(Number);
    return c.startsWith("color(srgb") ? [n[0] * 255, n[1] * 255, n[2] * 255, n[3]] : n;
  };
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length >= 3 && (c[3] === undefined || c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let min = { ratio: 21, text: "" };
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getBoundingClientRect().width === 0 || el.closest("[disabled]")) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < min.ratio) min = { ratio, text: el.textContent.trim().slice(0, 40) };
  }
  return min;
})()`;

describe("dashboard in chromium against a local market", { timeout: 120_000 }, () => {
  let market: DevMarket;
  let context: BrowserContext;
  let page: Page;
  let publicClient: PublicClient;
  let tmp: string;
  const consoleErrors: string[] = [];
  const outside: string[] = [];
  let streamId: bigint;

  before(async () => {
    assert.ok(existsSync(join(dashboardDist, "index.html")), "dashboard/dist is missing: run `npm install` at the root (or `npm run build` in dashboard/)");
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    mkdirSync(shots, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), "claw-dash-"));
    const config = parseConfig({
      offerings: [
        { model: "echo-1", backend: "echo", options: { tokensPerSecond: 10 }, pricePerSecond: 1_000_000_000_000n },
        { model: "echo-fast", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: 500_000_000_000n },
      ],
      server: { port: 0 },
      store: { path: join(tmp, "events.db") },
      settlement: { idleSeconds: 1, minJobMs: 100 },
      chain: { preset: "local", confirmations: 1, pollIntervalMs: 100 },
      log: { level: "silent" },
    });
    market = await startDevMarket({ config, root, writeInfo: false, storePath: join(tmp, "events.db") });
    publicClient = market.provider.clients.publicClient;
    const wired = await fetch(`${market.info.providerUrl}/v1/dev/accounts`);
    assert.notEqual((await fetch(`${market.info.providerUrl}/v1/dashboard`)).status, 404, "dashboardRoutes is not registered by the runtime's server (runtime/server/app.ts; see dashboard/README.md)");
    assert.equal(wired.status, 200, "startDevMarket does not hand its dev accounts to the runtime (startProvider's `dev` option; see dashboard/README.md)");
    // Another provider, registered by another wallet straight on the registry, at a dead endpoint: the
    // market must list it (it reads the chain, not this runtime's offerings) and show it down.
    const other = privateKeyToAccount(market.info.accounts[0]!.privateKey);
    const wallet = createWalletClient({ account: other, chain: market.provider.clients.chain, transport: http(market.info.rpcUrl) });
    const hash = await wallet.writeContract({ address: market.info.contracts.registry as Address, abi: computeRegistryAbi, functionName: "registerProvider", args: ["other-model", 2_000_000_000_000n, "http://127.0.0.1:9", 0] });
    await publicClient.waitForTransactionReceipt({ hash });

    context = await chromium.launchPersistentContext(join(tmp, "chromium-profile"), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
    await context.route("**/*", (route) => {
      const host = new URL(route.request().url()).hostname;
      if (host === "127.0.0.1" || host === "localhost") return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
    page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.message}`));
    await page.goto(market.info.providerUrl);
  });

  after(async () => {
    await context?.close();
    await market?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the market lists every active provider from the registry, cheapest first, filterable by model", async () => {
    const rows = page.getByTestId("provider-row");
    await rows.nth(2).waitFor();
    const seen = await rows.evaluateAll((els) => els.map((e) => ({ id: e.getAttribute("data-provider-id")!, model: e.getAttribute("data-model")!, price: BigInt(e.getAttribute("data-price")!) })));
    const [ids] = await publicClient.readContract({ address: market.info.contracts.registry as Address, abi: computeRegistryAbi, functionName: "getActiveProviderIds", args: [0n, 2_000n] });
    assert.deepEqual(new Set(seen.map((s) => s.id)), new Set(ids.map(String)), "one row per active registry provider");
    assert.deepEqual(seen.map((s) => s.model), ["echo-fast", "echo-1", "other-model"]);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.price <= seen[i]!.price, "cheapest first");
    await assert.doesNotReject(page.getByTestId("provider-row").filter({ hasText: "other-model" }).getByText("down").waitFor());
    await page.getByTestId("market-filter").selectOption("echo-1");
    assert.equal(await rows.count(), 1);
    await page.screenshot({ path: join(shots, "market-filtered.png") });
    await page.getByTestId("market-filter").selectOption("");
    await page.screenshot({ path: join(shots, "home.png"), fullPage: true });
  });

  test("a chat purchase streams tokens with a running cost, then shows the cost and the refund the chain paid", async () => {
    const feedBefore = await page.getByTestId("feed-event").count();
    await page.getByTestId("use-dev-account").click();
    await page.getByTestId("payer").waitFor();
    await page.getByTestId("chat-model").selectOption("echo-1");
    await page.getByTestId("quote-deposit").waitFor();
    await page.getByTestId("chat-input").fill(PROMPT);
    await page.getByTestId("chat-send").click();
    // Tokens arrive while the cost counter runs (12 words at 10 tokens/s: about a second).
    await page.getByTestId("running-cost").waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => (document.querySelector('[data-testid="answer"] p')?.textContent ?? "").split(" ").length >= 3);
    await page.screenshot({ path: join(shots, "chat-streaming.png") });
    const answer = page.getByTestId("answer");
    await answer.getByTestId("turn-cost").waitFor({ timeout: 30_000 });
    assert.equal((await answer.locator("p").textContent())?.trim(), PROMPT);
    const cost = BigInt((await answer.getByTestId("turn-cost").getAttribute("data-wei"))!);
    assert.ok(cost > 0n, "the job cost something");

    // The provider settles once the stream is idle; the page then shows the receipt it read from the chain.
    const receipt = page.getByTestId("receipt");
    await receipt.waitFor({ timeout: 30_000 });
    const attr = async (name: string) => BigInt((await receipt.getAttribute(name))!);
    streamId = await attr("data-stream-id");
    const [deposit, metered, paid, refunded] = [await attr("data-deposit"), await attr("data-metered"), await attr("data-paid"), await attr("data-refunded")];
    assert.equal(metered, cost);
    assert.equal(paid, cost, "paid on chain = metered cost");
    assert.equal(refunded, deposit - cost, "refund = deposit − cost");

    const logs = await publicClient.getContractEvents({ address: market.info.contracts.streamPay as Address, abi: streamPayAbi, eventName: "StreamSettled", args: { streamId }, fromBlock: 0n });
    const settled = parseEventLogs({ abi: streamPayAbi, logs, eventName: "StreamSettled" })[0];
    assert.ok(settled, "a StreamSettled event exists on chain");
    assert.equal(settled.args.earned, cost);
    assert.equal(settled.args.refund, refunded);
    const created = await publicClient.getContractEvents({ address: market.info.contracts.streamPay as Address, abi: streamPayAbi, eventName: "StreamCreated", args: { streamId }, fromBlock: 0n });
    assert.equal(parseEventLogs({ abi: streamPayAbi, logs: created, eventName: "StreamCreated" })[0]?.args.deposit, deposit);
    assert.match((await page.getByTestId("receipt-refunded").textContent()) ?? "", /\d/);
    await receipt.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "chat-receipt.png") });

    // The live feed showed the purchase as it happened, newest first.
    const types = async () => page.getByTestId("feed-event").evaluateAll((els) => els.map((e) => e.getAttribute("data-type")));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="feed-event"]')].some((e) => e.getAttribute("data-type") === "StreamSettled"));
    const seen = await types();
    assert.ok(seen.length > feedBefore, "new events appeared");
    for (const t of ["StreamOpened", "JobAccepted", "JobStarted", "JobCompleted", "SettlementSubmitted", "StreamSettled"]) assert.ok(seen.includes(t), `feed shows ${t}`);
    assert.ok(seen.indexOf("StreamSettled") < seen.indexOf("StreamOpened"), "newest first");
  });

  test("the stream's page and the earnings agree with the chain", async () => {
    await page.getByTestId("receipt").getByRole("link").first().click();
    const s = page.getByTestId("stream-page");
    await s.getByTestId("stream-status").filter({ hasText: "settled" }).waitFor();
    const onChain = (await publicClient.readContract({ address: market.info.contracts.streamPay as Address, abi: streamPayAbi, functionName: "getStream", args: [streamId] })) as { deposit: bigint; withdrawn: bigint; status: number };
    const wei = async (id: string) => BigInt((await s.getByTestId(id).getAttribute("data-wei"))!);
    assert.equal(await wei("stream-deposit"), onChain.deposit);
    assert.equal(await wei("stream-settled"), onChain.withdrawn, "settled = what the provider was paid on chain");
    assert.equal(await wei("stream-metered"), onChain.withdrawn);
    assert.equal(await wei("stream-refunded"), onChain.deposit - onChain.withdrawn);
    assert.equal(await s.getByTestId("stream-jobs").locator("tbody tr").count(), 1);
    await page.screenshot({ path: join(shots, "stream-page.png"), fullPage: true });

    await page.goto(`${market.info.providerUrl}/#/`);
    const earned = page.getByTestId("earned-total");
    await page.waitForFunction(() => document.querySelector('[data-testid="settled-total"]')?.getAttribute("data-wei") !== "0");
    assert.equal(BigInt((await earned.getAttribute("data-wei"))!), onChain.withdrawn);
    assert.equal(BigInt((await page.getByTestId("settled-total").getAttribute("data-wei"))!), onChain.withdrawn);
    await page.getByTestId("earnings-chart").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "earnings.png") });
  });

  test("each provider's scorecard shows its on-chain ratings (getReputation through /v1/market)", async () => {
    // The chat's settled stream is rated by its sender, as a consumer's SDK or gateway would after closing it.
    const onChain = (await publicClient.readContract({ address: market.info.contracts.streamPay as Address, abi: streamPayAbi, functionName: "getStream", args: [streamId] })) as { sender: Address; withdrawn: bigint };
    const sender = market.info.accounts.find((a) => a.address.toLowerCase() === onChain.sender.toLowerCase());
    assert.ok(sender, "the chat's stream was opened by a dev account");
    const rater = createChainClients({ rpcUrl: market.info.rpcUrl, chainId: market.info.chainId, privateKey: sender.privateKey });
    const unrated = page.getByTestId("provider-row").filter({ hasText: "echo-fast" }).getByTestId("scorecard");
    await page.goto(`${market.info.providerUrl}/#/`);
    assert.equal(await unrated.textContent(), "unrated");
    await rateStream(rater, { registry: market.info.contracts.registry as Address, streamId, score: 87, ttftMs: 240, tokensPerSecond: 10, failures: 0 });
    await new Promise((r) => setTimeout(r, 2_100)); // the runtime caches the market for 2 s
    await page.reload();
    const card = page.getByTestId("provider-row").filter({ hasText: "echo-1" }).getByTestId("scorecard");
    await card.and(page.locator('[data-ratings="1"]')).waitFor();
    assert.equal(await card.getAttribute("data-score"), "87");
    const text = (await card.textContent()) ?? "";
    for (const want of ["87/100", "1 rating", "ttft 240 ms", "10 tok/s", "0 failures", "raters paid"]) assert.ok(text.includes(want), `scorecard shows "${want}": ${text}`);
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, "market-scorecard.png") });
  });

  test("a browser wallet (injected, through wagmi) buys the same way", async () => {
    const buyer = market.info.accounts.find((a) => a.role === "consumer")!.address;
    const p = await context.newPage();
    p.on("console", (m) => { if (m.type() === "error") consoleErrors.push(`wallet page: ${m.text()}`); });
    p.on("pageerror", (err) => consoleErrors.push(`wallet page uncaught: ${err.message}`));
    // A wallet extension reaches its RPC from its own privileged context, not the page's origin, and
    // anvil runs with --no-cors (issue 13): the fake wallet's requests take that path too.
    const anvilOrigin = new URL(market.info.rpcUrl).origin;
    await p.route((url) => url.origin === anvilOrigin, async (route) => {
      const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "content-type", "access-control-allow-methods": "POST" };
      if (route.request().method() === "OPTIONS") return route.fulfill({ status: 204, headers: cors });
      const res = await route.fetch();
      await route.fulfill({ response: res, headers: { ...res.headers(), ...cors } });
    });
    await p.addInitScript(fakeWallet(market.info.rpcUrl, buyer));
    await p.goto(market.info.providerUrl);
    await p.getByTestId("use-wallet").click();
    await p.getByTestId("connect-wallet").click();
    assert.equal(await p.getByTestId("wallet-address").getAttribute("title"), buyer);
    await p.getByTestId("chat-model").selectOption("echo-1");
    await p.getByTestId("quote-deposit").waitFor();
    await p.getByTestId("chat-input").fill("paid from a wallet");
    await p.getByTestId("chat-send").click();
    const cost = BigInt((await p.getByTestId("turn-cost").getAttribute("data-wei", { timeout: 30_000 }))!);
    assert.ok(cost > 0n);
    const receipt = p.getByTestId("receipt");
    await receipt.waitFor({ timeout: 30_000 });
    const id = BigInt((await receipt.getAttribute("data-stream-id"))!);
    const s = (await publicClient.readContract({ address: market.info.contracts.streamPay as Address, abi: streamPayAbi, functionName: "getStream", args: [id] })) as { sender: Address; deposit: bigint; withdrawn: bigint };
    assert.equal(s.sender, buyer, "the wallet's account opened the stream");
    assert.equal(s.withdrawn, cost);
    assert.equal(BigInt((await receipt.getAttribute("data-refunded"))!), s.deposit - cost);
    await p.screenshot({ path: join(shots, "chat-wallet.png") });
    await p.close();
  });

  test("usable at phone width, with readable contrast", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId("provider-row").first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling at 390 px (overflow ${overflow} px)`);
    await page.screenshot({ path: join(shots, "phone.png"), fullPage: true });
    // WCAG contrast of every visible text element against the nearest opaque background.
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      const worst = (await page.evaluate(LOWEST_CONTRAST)) as { ratio: number; text: string };
      assert.ok(worst.ratio >= 4.5, `${colorScheme}: lowest text contrast ${worst.ratio.toFixed(2)} ("${worst.text}") is below 4.5:1`);
    }
    await page.screenshot({ path: join(shots, "phone-dark.png"), fullPage: true });
  });

  test("no console errors and no request to any other host", () => {
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(outside, []);
  });
});
