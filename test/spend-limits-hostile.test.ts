/**
 * Spend limits hold against a lying provider, measured on chain (issue 20). The provider is a small
 * hostile server (support/hostile-provider.ts) registered in the real registry on anvil: it reports
 * costs of -5 wei, far above the worst case, or 1 wei, and when asked to settle it cancels the stream
 * itself, taking everything streamed. Chain time is moved past each stream's window before it closes,
 * so the liar takes whole deposits. What the consumer's wallet lost (balance change minus gas) must
 * stay within the limit (the stated bound is 0: every open stream counts its whole deposit) — with
 * the gateway request after request (and after a restart on its log), and with createPayingFetch under
 * eight requests at once.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { Address, Hex } from "viem";
import { startTestChain, type TestChain } from "../runtime/chain/actions/testing.ts";
import { createPayingFetch } from "../runtime/client/paying-fetch.ts";
import { startGateway } from "../runtime/gateway/start.ts";
import { startHostileProvider, type HostileProvider } from "./support/hostile-provider.ts";

const price = 10n ** 12n;
// Small and short: a 2 s time cap, 5 expected seconds → streams of 71 s (10 + 1 + 60 s for the
// transactions), at least 42 s (2 s + 30 s settle margin + 10 s opening slack).
const session = { maxRequestSeconds: 2, expectedSeconds: 5, probe: false } as const;

let t: TestChain;
let liar: HostileProvider;
before(async () => {
  t = await startTestChain();
  liar = await startHostileProvider({ clients: t.wallet(1), contracts: t.contracts, chainId: t.anvil.chainId, model: "liar-1", pricePerSecond: price });
});
after(async () => {
  await liar?.close();
  await t?.stop();
});

const key = (i: number) => t.anvil.accounts[i]!.privateKey as Hex;
const address = (i: number) => t.anvil.accounts[i]!.address;

/** What `sender` paid out since `fromBlock` besides gas: its balance change minus the gas of its own transactions. */
async function spentOnChain(sender: Address, before: bigint, fromBlock: bigint): Promise<bigint> {
  const now = await t.read.getBlockNumber();
  let gas = 0n;
  for (let b = fromBlock + 1n; b <= now; b++) {
    const block = await t.read.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== sender.toLowerCase()) continue;
      const r = await t.read.getTransactionReceipt({ hash: tx.hash });
      gas += r.gasUsed * r.effectiveGasPrice;
    }
  }
  return before - (await t.read.getBalance({ address: sender })) - gas;
}

const isLimit = (e: unknown) => e instanceof OpenAI.APIError && e.status === 402 && e.code === "SPEND_LIMIT_REACHED";

describe("spend limits against a lying provider, from on-chain balances", () => {
  test("gateway: costs of -5 wei, above the worst case and 1 wei, whole deposits taken — the wallet loses at most --max-spend-day", async () => {
    const limit = price * 150n;
    const notes: string[] = [];
    const gw = await startGateway({
      chain: { rpcUrl: t.anvil.rpcUrl, privateKey: key(5), contracts: t.contracts, pollingIntervalMs: 50 },
      stateDir: mkdtempSync(join(tmpdir(), "claw-gw-liar-")), port: 0, limits: { maxSpendPerDay: limit }, ...session, onNote: (n) => notes.push(n),
    });
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const startBlock = await t.read.getBlockNumber();
    const startBalance = await t.read.getBalance({ address: address(5) });
    let answered = 0;
    let refused = 0;
    try {
      for (const lie of ["-5", (price * 1000n).toString(), "1", "1"]) {
        liar.reportCost = lie;
        try {
          // Two requests on one stream: one whole answer, one streamed.
          const whole = await openai.chat.completions.create({ model: "liar-1", messages: [{ role: "user", content: "hi" }] });
          assert.equal(whole.choices[0]?.message.content, "ok");
          const streamed = await openai.chat.completions.create({ model: "liar-1", messages: [{ role: "user", content: "hi" }], stream: true });
          for await (const c of streamed) void c;
          answered += 2;
        } catch (err) {
          if (!isLimit(err)) throw err;
          refused++;
          continue;
        }
        // The stream's whole window passes, then it is closed: the liar cancels and takes all of it.
        await t.advance(100);
        await gw.payingFetch.close();
        const st = gw.status();
        assert.ok(BigInt(st.spent.lastDay) >= 0n && BigInt(st.spent.total) >= 0n, "status never shows a negative spend");
        assert.ok(BigInt(st.committed.lastDay) <= limit);
      }
      const spent = await spentOnChain(address(5), startBalance, startBlock);
      assert.ok(spent <= limit, `the chain took ${spent} wei, above the limit of ${limit} wei`);
      assert.ok(spent >= price * 100n, `the liar took whole deposits (${spent} wei): the limit, not the provider, stopped it`);
      assert.equal(answered, 4, "two streams' worth of requests were served");
      assert.equal(refused, 2, "then the limit refused");
      const st = gw.status();
      assert.equal(BigInt(st.spent.total), spent, "the status shows what the chain took");
      assert.equal(st.remaining, (limit - spent).toString());
      const faults = gw.log.store.read().filter((e) => e.type === "ProviderFaulted").map((e) => (e.data as { kind: string }).kind);
      // Lying costs; and each stream the liar cancelled to take everything streamed is an overcharge
      // (more taken than its receipts signed for: the gateway checks every stream it closes).
      assert.deepEqual(faults.filter((k) => k !== "overcharged"), ["cost-negative", "cost-negative", "cost-above-worst-case", "cost-above-worst-case"]);
      assert.equal(faults.filter((k) => k === "overcharged").length, 2);
      assert.ok(notes.some((n) => /fault \(cost-negative\)/.test(n)));
      for (const m of Object.values(st.byModel)) assert.ok(BigInt(m.spent) >= 0n);
    } finally {
      await gw.close();
    }
    // A restart on the same log still counts what the chain took: the limit stays used up.
    const again = await startGateway({
      chain: { rpcUrl: t.anvil.rpcUrl, privateKey: key(5), contracts: t.contracts, pollingIntervalMs: 50 },
      stateDir: gw.logPath.replace(/\/gateway\.db$/, ""), port: 0, limits: { maxSpendPerDay: limit }, ...session,
    });
    try {
      const openai2 = new OpenAI({ baseURL: `${again.url}/v1`, apiKey: again.key, maxRetries: 0 });
      await assert.rejects(openai2.chat.completions.create({ model: "liar-1", messages: [{ role: "user", content: "hi" }] }), isLimit);
      assert.equal(BigInt(again.status().spent.lastDay), await spentOnChain(address(5), startBalance, startBlock));
    } finally {
      await again.close();
    }
  });

  test("createPayingFetch, parallel 4: eight requests at once, whole deposit taken — at most the limit; the next eight are refused", async () => {
    const limit = price * 200n;
    const pay = createPayingFetch({
      rpcUrl: t.anvil.rpcUrl, privateKey: key(6), contracts: t.contracts, pollingIntervalMs: 50, limits: { maxSpendPerDay: limit }, parallel: 4, ...session,
    });
    const openai = new OpenAI({ baseURL: "http://market.invalid/v1", apiKey: "unused", fetch: pay, maxRetries: 0 });
    const ask = () => openai.chat.completions.create({ model: "liar-1", messages: [{ role: "user", content: "hi" }] });
    const startBlock = await t.read.getBlockNumber();
    const startBalance = await t.read.getBalance({ address: address(6) });
    liar.reportCost = "1";
    liar.delayMs = 300;
    try {
      const first = await Promise.allSettled(Array.from({ length: 8 }, ask));
      for (const r of first) if (r.status === "rejected") assert.ok(isLimit(r.reason), String(r.reason));
      assert.ok(first.some((r) => r.status === "fulfilled"), "requests within the limit are served");
      const [lane] = await pay.lanes();
      assert.ok(lane && lane.stream.deposit <= limit, "the stream was sized to the limit");
      await t.advance(100);
      await pay.close();
      const second = await Promise.allSettled(Array.from({ length: 8 }, ask));
      assert.ok(second.every((r) => r.status === "rejected" && isLimit(r.reason)), "the limit is used up: every one refused, nothing opened");
      const spent = await spentOnChain(address(6), startBalance, startBlock);
      assert.ok(spent <= limit, `the chain took ${spent} wei, above the limit of ${limit} wei`);
      assert.ok(spent >= price * 168n, `the liar took the whole deposit (${spent} wei)`);
      const b = pay.budget();
      assert.equal(b.spent.day, spent);
      assert.ok(b.committed.day <= limit);
    } finally {
      liar.delayMs = 0;
      await pay.close();
    }
  });
});
