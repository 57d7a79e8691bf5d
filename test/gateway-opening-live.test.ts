/**
 * The opening intent on a live gateway (real local market: anvil, contracts, provider runtimes):
 *  - a request opens a stream: the gateway log holds StreamOpening (written before the broadcast)
 *    ahead of StreamOpened for the same transaction, resolved; the limits count the deposit once;
 *  - the adversary: the opening's log write fails -> nothing is broadcast (nonce unchanged, no stream
 *    on chain), the request fails clearly, and the deposit's reservation is released;
 *  - a child SIGKILLed after broadcasting an opening: the next startGateway on its state directory finds
 *    the stream, closes it (unrated: it served nothing), the wallet's balance exact in wei;
 *  - a child SIGKILLed before broadcasting: the opening stays pending (counted) until this run's first
 *    opening takes its nonce; the gateway then looks again, marks it dropped and releases it.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { Address, Hex } from "viem";
import { createPayingFetch } from "../runtime/client/paying-fetch.ts";
import { createChainClients } from "../runtime/chain/client.ts";
import { startGateway } from "../runtime/gateway/start.ts";
import type { ConsumerMarket } from "./consumer-support.ts";
import { gatewayChain, gatewayChat, streamsOpenedBy as streamsOf, useGatewayMarket } from "./support/gateway-market.ts";
import { runOpenAndDie } from "./support/run-open-and-die.ts";

const DEPOSIT = 10n ** 15n;

let m: ConsumerMarket;
const gateways = useGatewayMarket((market) => (m = market));
const chainOf = (key: Hex) => gatewayChain(m, key);
const streamsOpenedBy = (sender: Address) => streamsOf(m, sender);
/** Opens a stream from wallet `account` in a child that SIGKILLs itself at `when`, logging to `stateDir`'s gateway.db. */
const openAndDie = (account: number, stateDir: string, when: "after-broadcast" | "before-broadcast", providerId = m.cheap.offerings[0]!.providerId) =>
  runOpenAndDie({
    rpcUrl: m.anvil.rpcUrl, key: m.keys[account]!, registry: m.contracts.registry, streamPay: m.contracts.streamPay,
    logPath: join(stateDir, "gateway.db"), recipient: m.address(2), providerId, deposit: DEPOSIT, when,
  });

describe("gateway opening intent", { timeout: 120_000 }, () => {
  test("StreamOpening is logged before StreamOpened for the same transaction; the deposit is counted once", async () => {
    const gw = await startGateway({ chain: chainOf(m.keys[4]!), stateDir: mkdtempSync(join(tmpdir(), "claw-gw-intent-")), port: 0, limits: { maxSpendPerDay: 10n ** 17n } });
    gateways.push(gw);
    const res = await gatewayChat(gw.url, gw.key);
    assert.equal(res.status, 200);
    const [created] = await streamsOpenedBy(m.address(4));
    assert.ok(created);
    const events = gw.log.store.replay((a: Array<{ type: string; position: number; data: unknown }>, e) => [...a, e], []);
    const opening = events.find((e) => e.type === "StreamOpening");
    const opened = events.find((e) => e.type === "StreamOpened");
    assert.ok(opening && opened);
    assert.ok(opening.position < opened.position, "the intent comes first");
    assert.equal((opening.data as { txHash: string }).txHash.toLowerCase(), created.transactionHash.toLowerCase());
    assert.equal((opened.data as { chain: { txHash: string } }).chain.txHash.toLowerCase(), created.transactionHash.toLowerCase());
    assert.equal(gw.log.state().openings.get(created.transactionHash.toLowerCase())?.resolved, "opened");
    assert.deepEqual(gw.log.orphanOpenings(), [], "this run's own opening is no orphan");
    assert.equal(gw.status().committed.lastDay, created.args.deposit!.toString(), "counted once, not as an opening and a stream");
    assert.equal(gw.payingFetch.budget().committed.day, created.args.deposit!);
  });

  test("the opening's log write fails: nothing is broadcast, the request fails clearly, the reservation is released", async () => {
    const me = m.address(5);
    const nonce = await m.publicClient.getTransactionCount({ address: me, blockTag: "pending" });
    const pay = createPayingFetch({
      ...chainOf(m.keys[5]!), limits: { maxSpendPerDay: 10n ** 17n },
      hooks: { onOpening: () => { throw new Error("disk full"); } },
    });
    try {
      const openai = new OpenAI({ baseURL: "http://market.invalid/v1", apiKey: "unused", fetch: pay, maxRetries: 0 });
      await assert.rejects(openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "never sent" }] }), /was not sent: what must happen before it is broadcast failed \(disk full\)/);
      assert.equal(await m.publicClient.getTransactionCount({ address: me, blockTag: "pending" }), nonce, "nothing was broadcast");
      assert.deepEqual(await streamsOpenedBy(me), []);
      assert.equal(pay.budget().committed.day, 0n, "the reservation is released");
    } finally {
      await pay.close();
    }
  });

  test("a gateway SIGKILLed after broadcasting an opening: the next startGateway finds the stream and closes it, unrated", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "claw-gw-crashed-"));
    const provider = m.cheap.offerings[0]!.providerId;
    const me = m.address(6);
    const before = await m.publicClient.getBalance({ address: me });
    await openAndDie(6, stateDir, "after-broadcast", provider);
    const [created] = await streamsOpenedBy(me);
    assert.ok(created, "the opening reached the chain");

    const notes: string[] = [];
    const gw = await startGateway({ chain: chainOf(m.keys[6]!), stateDir, port: 0, onNote: (l) => notes.push(l) });
    gateways.push(gw);
    const rec = await gw.recovered;
    assert.deepEqual(rec.openings.map((o) => [o.outcome, o.streamId]), [["opened", created.args.streamId]]);
    assert.deepEqual(rec.failed, []);
    const [receipt] = rec.receipts;
    assert.ok(receipt);
    assert.equal(receipt.paid + receipt.refunded, DEPOSIT);
    assert.deepEqual(gw.status().openStreams, []);
    assert.equal(gw.status().closedStreams, 1);
    assert.equal(gw.ratings().length, 0, "it served nothing: not rated");
    assert.ok(notes.some((l) => l.includes(`opening ${created.transactionHash}`) && l.includes("opened")), notes.join("\n"));
    const open = await m.publicClient.getTransactionReceipt({ hash: created.transactionHash });
    assert.equal(await m.publicClient.getBalance({ address: me }), before - open.gasUsed * open.effectiveGasPrice - receipt.gasPaid - receipt.paid);
  });

  test("an opening SIGKILLed before its broadcast stays counted until this run's first opening takes its nonce, then is dropped and released", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "claw-gw-unsent-"));
    await openAndDie(7, stateDir, "before-broadcast");

    const gw = await startGateway({ chain: chainOf(m.keys[7]!), stateDir, port: 0, limits: { maxSpendPerDay: 10n ** 17n } });
    gateways.push(gw);
    const rec = await gw.recovered;
    assert.deepEqual(rec.openings.map((o) => o.outcome), ["pending"], "its nonce is still free");
    assert.equal(gw.status().committed.lastDay, DEPOSIT.toString(), "its deposit is still counted");
    assert.equal(gw.payingFetch.budget().committed.day, DEPOSIT, "by the limits too");

    const res = await gatewayChat(gw.url, gw.key);
    assert.equal(res.status, 200);
    const [created] = await streamsOpenedBy(m.address(7));
    assert.ok(created);
    // The look again runs in the background after the opening; bounded wait for it.
    for (let i = 0; gw.log.orphanOpenings().length > 0 && i < 400; i++) await new Promise((ok) => setTimeout(ok, 25));
    assert.deepEqual(gw.log.orphanOpenings(), []);
    assert.deepEqual([...gw.log.state().openings.values()].map((o) => o.resolved).sort(), ["dropped", "opened"]);
    assert.equal(gw.status().committed.lastDay, created.args.deposit!.toString(), "only the new stream is counted now");
    assert.equal(gw.payingFetch.budget().committed.day, created.args.deposit!);
  });

  test("an opening SIGKILLed before its broadcast is dropped by the recheck timer once the wallet's nonce moves, with no request", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "claw-gw-recheck-"));
    await openAndDie(8, stateDir, "before-broadcast");

    const gw = await startGateway({ chain: chainOf(m.keys[8]!), stateDir, port: 0, limits: { maxSpendPerDay: 10n ** 17n }, openingRecheckMs: 100 });
    gateways.push(gw);
    assert.deepEqual((await gw.recovered).openings.map((o) => o.outcome), ["pending"]);
    // The wallet's nonce moves outside the gateway (another of the owner's tools spends it): the opening can never mine.
    const owner = createChainClients({ rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, privateKey: m.keys[8]! });
    await owner.publicClient.waitForTransactionReceipt({ hash: await owner.walletClient.sendTransaction({ to: m.address(9), value: 1n }) });
    for (let i = 0; gw.log.orphanOpenings().length > 0 && i < 400; i++) await new Promise((ok) => setTimeout(ok, 25));
    assert.deepEqual(gw.log.orphanOpenings(), [], "resolved by the timer");
    assert.deepEqual([...gw.log.state().openings.values()].map((o) => o.resolved), ["dropped"]);
    assert.equal(gw.status().committed.lastDay, "0", "its deposit no longer counts");
    assert.deepEqual(await streamsOpenedBy(m.address(8)), [], "no stream was ever opened");
  });
});
