/**
 * Issue 22, the runtime half on anvil: real ratings posted by a real SDK session close and a real
 * gateway close (with --no-rate posting none), each checked on chain (getReputation, StreamRated)
 * and against the documented rule (client/rating.ts: score, failures, the receipt hash chain
 * recomputed from the gateway's own ReceiptKept log; the provider's watcher logs StreamRated); and discovery's order (SDK discover() and
 * `claw providers list --json`) following real on-chain reputations (client/rank.ts).
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { concat, keccak256, zeroHash, type Hex } from "viem";
import { computeRegistryAbi } from "../contracts/generated/abi.ts";
import { cancelStream } from "../runtime/chain/actions/cancel-stream.ts";
import { createStream } from "../runtime/chain/actions/create-stream.ts";
import { getReputation } from "../runtime/chain/actions/get-reputation.ts";
import { rateStream } from "../runtime/chain/actions/rate-stream.ts";
import { registerProvider } from "../runtime/chain/actions/register-provider.ts";
import { createChainClients } from "../runtime/chain/client.ts";
import { createClawClient, createPayingFetch } from "../runtime/client/index.ts";
import { providerFault } from "../runtime/client/faults.ts";
import { createFaultBook } from "../runtime/client/faults-routing.ts";
import { paymentDomain } from "../runtime/core/payment.ts";
import { receiptDigest } from "../runtime/core/receipt.ts";
import type { StoredEvent } from "../runtime/core/events.ts";
import { openGatewayLog } from "../runtime/gateway/log.ts";
import { startGateway } from "../runtime/gateway/start.ts";
import { startConsumerMarket, type ConsumerMarket } from "./consumer-support.ts";

let m: ConsumerMarket;
before(async () => {
  m = await startConsumerMarket();
});
after(async () => {
  await m?.close();
});

const rep = (providerId: bigint) => getReputation(m.publicClient, { registry: m.contracts.registry, providerId });
const ratedEvents = async () => m.publicClient.getContractEvents({ address: m.contracts.registry, abi: computeRegistryAbi, eventName: "StreamRated", fromBlock: 0n });
const clients = (i: number) => createChainClients({ rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, privateKey: m.keys[i]! });

describe("ranking follows real on-chain reputations", () => {
  test("two providers at one price: id order while unrated, the better rated first after ratings; claw providers shows it", async () => {
    const price = 10n ** 15n;
    const [a, b, consumer] = [clients(6), clients(7), clients(9)];
    const reg = (c: typeof a) => registerProvider(c, { registry: m.contracts.registry, model: "rank-m", pricePerSecond: price, endpoint: "http://127.0.0.1:9", serviceType: 0 });
    const idA = (await reg(a)).providerId;
    const idB = (await reg(b)).providerId;
    const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[9]!, contracts: m.contracts });
    assert.deepEqual((await claw.discover("rank-m", { probe: false })).map((p) => p.id), [idA, idB], "unrated, equal price: the older id first");
    // One paid stream each, cancelled after a few seconds (the provider is paid), then rated: A 10, B 95.
    for (const [provider, id, score] of [[a, idA, 10], [b, idB, 95]] as const) {
      const { stream } = await createStream(consumer, { streamPay: m.contracts.streamPay, recipient: provider.address, durationSeconds: 10n, serviceType: 0, providerId: id, deposit: price * 10n });
      await new Promise((r) => setTimeout(r, 2100)); // real seconds pass on anvil's clock too
      await cancelStream(consumer, { streamPay: m.contracts.streamPay, streamId: stream.streamId });
      await rateStream(consumer, { registry: m.contracts.registry, streamId: stream.streamId, score, ttftMs: 100, tokensPerSecond: 40, failures: 0 });
    }
    const found = await claw.discover("rank-m", { probe: false });
    assert.deepEqual(found.map((p) => p.id), [idB, idA], "B (95) before A (10) at the same price");
    assert.equal(found[0]?.reputation?.averages?.score, 95n);
    assert.equal(found[1]?.reputation?.averages?.score, 10n);
    const cli = await m.runCli(["providers", "list", "-m", "rank-m", "--json"], m.cliEnv(m.keys[9]!));
    assert.equal(cli.code, 0, cli.stderr);
    const listed = JSON.parse(cli.stdout) as { providers: Array<{ id: string; reputation: { ratings: string; averages: { score: string } }; effectivePricePerSecond: string }> };
    assert.deepEqual(listed.providers.map((p) => p.id), [idB.toString(), idA.toString()]);
    assert.deepEqual(listed.providers.map((p) => [p.reputation.ratings, p.reputation.averages.score]), [["1", "95"], ["1", "10"]]);
    assert.ok(BigInt(listed.providers[0]!.effectivePricePerSecond) < BigInt(listed.providers[1]!.effectivePricePerSecond));
    const text = await m.runCli(["providers", "list", "-m", "rank-m"], m.cliEnv(m.keys[9]!));
    assert.match(text.stdout, /1 ratings, score 95\/100, ttft 100 ms, 40 tok\/s, 0 failures, raters paid \d+ wei/);

    // The gateway's routing (createPayingFetch): candidates in rank order, then the fault book's
    // avoidance. Both endpoints are dead, so each is tried (its quote fails: nothing is paid) in order.
    const tried = async (faultBook = createFaultBook()) => {
      const order: bigint[] = [];
      const pay = createPayingFetch({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[9]!, contracts: m.contracts, probe: false, faultBook, hooks: { onFailover: (p) => order.push(p.id) } });
      const res = await pay("http://market.invalid/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "rank-m", messages: [{ role: "user", content: "x" }] }) });
      assert.equal(res.status, 503);
      await pay.close();
      return order;
    };
    assert.deepEqual(await tried(), [idB, idA], "the better rated first");
    const book = createFaultBook();
    book.record(providerFault(idB, "oversized-answer", "test: a recent fault"));
    assert.deepEqual(await tried(book), [idA, idB], "a recently faulty provider last, whatever its reputation");
  });
});

describe("consumers post ratings when their streams close", () => {
  test("SDK: session.close({ rate: true }) rates the provider from what it measured", async () => {
    const providerId = m.expensive.offerings[0]!.providerId;
    const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[4]!, contracts: m.contracts });
    const session = await claw.openSession({ model: "echo-1", providerId, expectedSeconds: 5 });
    const one = await session.ask("rate me please");
    const two = await session.ask("and again");
    assert.ok(one.jobReceipt && two.jobReceipt, "both answers carried verified receipts");
    const closed = await session.close({ rate: true });
    assert.ok(closed.paid > 0n);
    const r = closed.rating;
    assert.ok(r?.posted, r && !r.posted ? r.reason : "rated");
    const domain = paymentDomain(m.anvil.chainId, m.contracts.streamPay);
    const chainOf = keccak256(concat([keccak256(concat([zeroHash, receiptDigest(domain, one.jobReceipt)])), receiptDigest(domain, two.jobReceipt)]));
    assert.deepEqual({ score: r.rating.score, failures: r.rating.failures, receiptDigest: r.rating.receiptDigest }, { score: 100, failures: 0, receiptDigest: chainOf });
    assert.ok(r.rating.ttftMs > 0, "a measured time to first token");
    const onChain = await rep(providerId);
    assert.equal(onChain?.ratings, 1n);
    assert.equal(onChain?.paidByRaters, closed.paid);
    assert.equal(onChain?.averages?.score, 100n);
    const ev = (await ratedEvents()).find((e) => e.args.streamId === closed.streamId);
    assert.equal(ev?.args.rater, m.address(4));
    assert.equal(ev?.args.receiptDigest, chainOf);
    // The provider's chain watcher appends the rating to the provider's own log (event StreamRated).
    await m.expensive.watcher.catchUp();
    const logged = m.expensive.store.replay((found: StoredEvent[], e: StoredEvent) => (e.type === "StreamRated" && e.data.streamId === closed.streamId ? [...found, e] : found), []);
    assert.equal(logged.length, 1);
    const d = logged[0]!.type === "StreamRated" ? logged[0]!.data : undefined;
    assert.deepEqual(d && { rater: d.rater, paid: d.paid, score: d.score, failures: d.failures, receiptDigest: d.receiptDigest, providerId: d.providerId },
      { rater: m.address(4), paid: closed.paid, score: 100, failures: 0, receiptDigest: chainOf, providerId });
    // Idempotent: a second close neither rates again nor throws.
    assert.equal((await session.close({ rate: true })).rating?.posted, true);
    assert.equal((await rep(providerId))?.ratings, 1n);
  });

  test("claw infer --rate --json: the CLI rates the provider after closing and reports it", async () => {
    const providerId = m.other.offerings[0]!.providerId;
    const before = (await rep(providerId))?.ratings ?? 0n;
    const out = await m.runCli(["infer", "-m", "echo-cheap", "--rate", "--json", "rate from the cli"], m.cliEnv(m.keys[8]!));
    assert.equal(out.code, 0, out.stderr);
    const j = JSON.parse(out.stdout) as { streamId: string; rating: { posted: boolean; rating: { score: number; failures: number }; gasUsed: string } };
    assert.equal(j.rating.posted, true, JSON.stringify(j.rating));
    assert.deepEqual([j.rating.rating.score, j.rating.rating.failures], [100, 0]);
    assert.ok(BigInt(j.rating.gasUsed) > 0n);
    assert.equal((await rep(providerId))?.ratings, before + 1n);
    assert.equal((await ratedEvents()).find((e) => e.args.streamId === BigInt(j.streamId))?.args.rater, m.address(8));
  });

  test("gateway: rates on close by default (digest = the chain of its kept receipts); --no-rate posts nothing", async () => {
    const providerId = m.cheap.offerings[0]!.providerId;
    const before = (await rep(providerId))?.ratings ?? 0n;
    const stateDir = mkdtempSync(join(tmpdir(), "claw-gw-rate-"));
    const gw = await startGateway({ chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[5]!, contracts: m.contracts, pollingIntervalMs: 50 }, stateDir, port: 0 });
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    for (const q of ["first", "second"]) {
      const a = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: q }] });
      assert.equal(a.choices[0]?.message.content, q);
    }
    const streamId = BigInt(gw.status().openStreams[0]!.streamId);
    await new Promise((r) => setTimeout(r, 300)); // the second answer's receipt is judged after it was returned
    await gw.close();
    const [r] = gw.ratings();
    assert.ok(r?.posted, r && !r.posted ? r.reason : "rated");
    assert.equal(r.streamId, streamId);
    assert.equal(r.rating.score, 100);
    assert.equal(r.rating.failures, 0);
    assert.equal(r.rating.tokensPerSecond, 0, "the gateway does not count tokens: 0");
    // The documented digest, recomputed from the gateway's own log.
    const log = openGatewayLog(gw.logPath, m.address(5), { readonly: true });
    const digest = log.store.replay((h: Hex, e: StoredEvent) => {
      if (e.type !== "ReceiptKept" || e.data.streamId !== streamId) return h;
      const d = e.data;
      const receipt = { streamId: d.streamId, nonce: d.nonce, requestHash: d.requestHash, jobId: d.jobId, model: d.model, meteredMs: d.meteredMs, cost: d.cost, cumulativeCost: d.cumulativeCost, ttftMs: d.ttftMs, outputHash: d.outputHash };
      return keccak256(concat([h, receiptDigest(paymentDomain(m.anvil.chainId, m.contracts.streamPay), receipt as never)]));
    }, zeroHash as Hex);
    log.close();
    assert.notEqual(digest, zeroHash);
    assert.equal(r.rating.receiptDigest, digest);
    const onChain = await rep(providerId);
    assert.equal(onChain?.ratings, before + 1n);
    assert.equal((await ratedEvents()).find((e) => e.args.streamId === streamId)?.args.rater, m.address(5));

    const quiet = await startGateway({ chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[8]!, contracts: m.contracts, pollingIntervalMs: 50 }, stateDir: mkdtempSync(join(tmpdir(), "claw-gw-norate-")), port: 0, rate: false });
    const q = await new OpenAI({ baseURL: `${quiet.url}/v1`, apiKey: quiet.key, maxRetries: 0 }).chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "unrated" }] });
    assert.equal(q.choices[0]?.message.content, "unrated");
    await quiet.close();
    assert.deepEqual(quiet.ratings(), []);
    assert.equal((await rep(providerId))?.ratings, before + 1n, "--no-rate: no rating posted");
  });
});
