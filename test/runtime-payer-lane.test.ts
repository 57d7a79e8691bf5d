/**
 * Runtime findings of issue 20, on a real runtime over anvil, all over loopback HTTP:
 * - a paying consumer is served during an anonymous flood from its own IP (both 127.0.0.1): the per-IP
 *   refusal and unpaid limits answer the flood 429, never the verified payer (server/payer-lane.ts);
 * - with `server.trustProxy`, two X-Forwarded-For clients behind one proxy address are limited
 *   separately; without it a forged X-Forwarded-For does not change the key;
 * - a job stopped because its stream was cancelled on chain is logged STREAM_CANCELLED, not as a
 *   consumer who left;
 * - a non-streamed answer cut short reports the tokens it delivered as its usage.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Hex } from "viem";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { startProvider, type RunningProvider } from "../runtime/provider/start.ts";
import { echoOffering, eventually, startMarket, type Market } from "./support/market.ts";

const LIMIT = 20;
const price = echoOffering.pricePerSecond;
let m: Market;
before(async () => {
  m = await startMarket({
    offerings: [
      echoOffering,
      { model: "echo-slow", backend: "echo", options: { tokensPerSecond: 10 }, pricePerSecond: price },
      { model: "echo-cut", backend: "echo", options: { tokensPerSecond: 10 }, pricePerSecond: price, maxJobSeconds: 1 },
    ],
    server: { limits: { refusalsPerMinute: LIMIT, unpaidPerMinute: LIMIT } },
  });
});
after(() => m?.close());

type ErrorBody = { error?: { code: string } };
const garbage = (base: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/inference`, { method: "POST", body: JSON.stringify({ model: "echo-1", prompt: "x" }), headers: { "content-type": "application/json", ...headers } });
const statusOf = async (res: Response) => `${res.status} ${((await res.json()) as ErrorBody).error?.code ?? "ok"}`;

/** Sends `n` requests one after the other and returns their "status code" strings. */
async function flood(n: number, send: () => Promise<Response>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await statusOf(await send()));
  return out;
}

describe("how a job ends is reported as what happened", () => {
  const idOf = (model: string) => m.provider.offerings.find((o) => o.model === model)!.providerId;
  const stored = (type: string, streamId: bigint) => m.provider.store.read().filter((e) => e.type === type && (e.data as { streamId?: bigint }).streamId === streamId);

  test("a job stopped because its stream was cancelled on chain is logged STREAM_CANCELLED", async () => {
    const consumer = m.account(4);
    const providerId = idOf("echo-slow");
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId });
    const signer = await m.sessionSigner(consumer, streamId);
    const prompt = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ");
    const res = await m.post("/v1/chat/completions", { model: "echo-slow", stream: true, messages: [{ role: "user", content: prompt }] }, signer);
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let seen = "";
    while (!seen.includes("word1")) seen += new TextDecoder().decode((await reader.read()).value);
    const hash = await m.wallet(consumer).writeContract({ address: m.contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streamId] });
    await m.publicClient.waitForTransactionReceipt({ hash });
    while (!(await reader.read()).done) { /* the runtime ends the answer */ }
    const failed = await eventually(() => stored("JobFailed", streamId)[0], 15_000, "the job's ending");
    assert.ok(failed.type === "JobFailed");
    assert.equal(failed.data.code, "STREAM_CANCELLED");
    assert.match(failed.data.message, /cancelled on chain/);
  });

  test("a non-streamed answer cut short reports the tokens it delivered", async () => {
    const consumer = m.account(6);
    const providerId = idOf("echo-cut");
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId });
    const prompt = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");
    const res = await m.post("/v1/chat/completions", { model: "echo-cut", messages: [{ role: "user", content: prompt }] }, await m.sessionSigner(consumer, streamId));
    const body = (await res.json()) as {
      choices: Array<{ message: { content: string }; finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      claw: { partial?: { code: string } };
    };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.claw.partial?.code, "JOB_BUDGET_CUT");
    assert.equal(body.choices[0]!.finish_reason, "length");
    const delivered = body.choices[0]!.message.content.split(" ").length;
    assert.ok(delivered > 0 && delivered < 100, `${delivered} words delivered`);
    assert.equal(body.usage.completion_tokens, delivered, "usage counts what was delivered");
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + delivered);
  });
});

// Last: it leaves 127.0.0.1 over the anonymous limits for the rest of the minute.
describe("verified payers and the per-IP limits", () => {
  test("a paying consumer is served during an anonymous flood from its own IP", async () => {
    const providerId = m.provider.offerings[0]!.providerId;
    const consumer = m.account(2);
    const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId });
    const session = await m.sessionSigner(consumer, streamId);
    const direct = m.directSigner(m.account(3), (await m.openStream(m.account(3), { deposit: price * 600n, duration: 600n, providerId })).streamId);
    const ask = (signer: typeof session) => m.post("/v1/inference", { model: "echo-1", prompt: "paid during a flood" }, signer);
    assert.equal((await ask(session)).status, 200, "served before the flood");
    assert.equal((await ask(direct)).status, 200, "the direct signer too");

    // The flood: refused paid requests (no proof, bad proofs) and unpaid requests, all from 127.0.0.1.
    const paidFlood = await flood(LIMIT * 2, () => garbage(m.provider.url));
    assert.equal(paidFlood.at(-1), "429 RATE_LIMITED", "the flood is limited");
    const unpaidFlood = await flood(LIMIT * 2, () => fetch(`${m.provider.url}/v1/models`));
    assert.equal(unpaidFlood.at(-1), "429 RATE_LIMITED");
    // Forged proofs naming the payer's stream (a bad direct signature) are refused but cannot close its session lane.
    const forged = await flood(5, () => garbage(m.provider.url, { "x-claw-stream": String(streamId), "x-claw-nonce": "1", "x-claw-deadline": String(Math.floor(Date.now() / 1000) + 60), "x-claw-signature": `0x${"11".repeat(65)}` }));
    assert.ok(forged.every((s) => s === "401 SIGNATURE_INVALID"), forged.join());

    // Same IP, still over both limits: the verified payers are served, paid and settle.
    assert.equal(await statusOf(await garbage(m.provider.url)), "429 RATE_LIMITED", "anonymous traffic is still refused");
    for (let i = 0; i < 3; i++) assert.equal(await statusOf(await ask(session)), "200 ok", "the session-key payer is served");
    assert.equal(await statusOf(await ask(direct)), "200 ok", "the direct-signing payer is served (its stream's lane is open)");
    const act = await session.settle();
    const settled = await fetch(`${m.provider.url}${act.path}`, { method: "POST", body: act.body, headers: { "content-type": "application/json", ...act.headers } });
    assert.equal(settled.status, 202, await settled.clone().text());
  });

  test("without trustProxy a forged X-Forwarded-For does not change the key", async () => {
    // The test above left 127.0.0.1 over the refusal limit for this minute.
    for (const client of ["203.0.113.7", "198.51.100.9"]) {
      assert.equal(await statusOf(await garbage(m.provider.url, { "x-forwarded-for": client })), "429 RATE_LIMITED", client);
    }
  });

  test("with trustProxy, two X-Forwarded-For clients behind one proxy address are limited separately", async () => {
    const proxied: RunningProvider = await startProvider({
      config: {
        ...m.config,
        server: { ...m.config.server, trustProxy: ["127.0.0.1"] },
        store: { ...m.config.store, path: join(mkdtempSync(join(tmpdir(), "claw-proxied-")), "events.db") },
      },
      env: { PRIVATE_KEY: m.keys[5] as Hex },
      chain: { rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, contracts: m.contracts, fromBlock: m.deployed.blockNumber },
      logger: pino({ level: "silent" }),
      graceMs: 1_000,
    });
    try {
      const a = { "x-forwarded-for": "203.0.113.7" };
      const b = { "x-forwarded-for": "198.51.100.9" };
      const aPaid = await flood(LIMIT + 2, () => garbage(proxied.url, a));
      assert.equal(aPaid.at(-1), "429 RATE_LIMITED", "client A is limited");
      assert.equal(await statusOf(await garbage(proxied.url, b)), "402 PAYMENT_REQUIRED", "client B behind the same proxy is not");
      const aUnpaid = await flood(LIMIT + 2, () => fetch(`${proxied.url}/v1/models`, { headers: a }));
      assert.equal(aUnpaid.at(-1), "429 RATE_LIMITED");
      assert.equal(await statusOf(await fetch(`${proxied.url}/v1/models`, { headers: b })), "200 ok");
    } finally {
      await proxied.close();
    }
  });
});
