/**
 * A real Chromium page for the SDK's browser tests (Debian's chromium through playwright-core): every
 * console error, uncaught error and request to a host other than 127.0.0.1 is recorded, so a test
 * fails on them; and anvil made reachable from the page the way a hosted RPC endpoint is.
 */
import { chromium, type Browser, type Page } from "playwright-core";

const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/**
 * @example
 * const { browser, page, errors } = await openWatchedPage();
 * try { ...; assert.deepEqual(errors, []) } finally { await browser.close() }
 */
export async function openWatchedPage(): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: flags });
  const errors: string[] = [];
  try {
    const page = await browser.newPage();
    page.on("console", (msg) => { if (msg.type() === "error") errors.push(msg.text()); });
    page.on("pageerror", (err) => errors.push(`uncaught: ${err.message}`));
    // Test traffic stays on this machine: a request anywhere else is recorded and fails the test.
    page.on("request", (req) => { if (new URL(req.url()).hostname !== "127.0.0.1") errors.push(`outside request: ${req.url()}`); });
    return { browser, page, errors };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/**
 * Anvil runs --no-cors (issue 13); this adds, for `pageOrigin` only, the CORS headers a hosted RPC
 * endpoint sends to web pages. Nothing else the page calls is rerouted.
 */
export async function letPageReachAnvil(page: Page, rpcUrl: string, pageOrigin: string): Promise<void> {
  const anvilOrigin = new URL(rpcUrl).origin;
  await page.route((url) => url.origin === anvilOrigin, async (route) => {
    const cors = { "access-control-allow-origin": pageOrigin, "access-control-allow-headers": "content-type", "access-control-allow-methods": "POST" };
    if (route.request().method() === "OPTIONS") return route.fulfill({ status: 204, headers: cors });
    const res = await route.fetch();
    await route.fulfill({ response: res, headers: { ...res.headers(), ...cors } });
  });
}
