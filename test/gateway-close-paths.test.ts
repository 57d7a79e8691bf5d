/**
 * Every stream the gateway opens ends through one close path, on a real local market (anvil,
 * contracts, provider runtimes on loopback):
 *  - a stream whose opening hook throws (here: the gateway's note) is closed at once — not left on
 *    chain with its deposit locked, not counted against the limits forever — and the request gets a
 *    clear 500 INTERNAL;
 *  - streams an earlier run left open (a crashed gateway's log) go through the live checks when the
 *    restart recovery closes them: one its provider settled for more than it signed for while the
 *    gateway was down is an overcharged fault (the provider avoided) and rated 0; one the recovery
 *    asks its provider to settle is rated from what the log kept (1 request, 1 verified receipt: 100).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { concat, createTestClient, http, keccak256, zeroHash, type Address, type Hex } from "viem";
import { paymentDomain } from "../runtime/core/payment.ts";
import { receiptDigest, type SignedReceipt } from "../runtime/core/receipt.ts";
import { createChainClients } from "../runtime/chain/client.ts";
import { getStream } from "../runtime/chain/actions/get-stream.ts";
import { getStreamedAmount } from "../runtime/chain/actions/get-streamed-amount.ts";
import { settleStream } from "../runtime/chain/actions/settle-stream.ts";
import { createPayingFetch } from "../runtime/client/paying-fetch.ts";
import { openGatewayLog } from "../runtime/gateway/log.ts";
import { keepReceipt } from "../runtime/gateway/receipts.ts";
import { startGateway } from "../runtime/gateway/start.ts";
import type { ConsumerMarket } from "./consumer-support.ts";
import { gatewayChain, gatewayChat, streamsOpenedBy as streamsOf, useGatewayMarket } from "./support/gateway-market.ts";

let m: ConsumerMarket;
const gateways = useGatewayMarket((market) => (m = market));
const chainOf = (key: Hex) => gatewayChain(m, key);
const streamsOpenedBy = (sender: Address) => streamsOf(m, sender);
const onChain = (streamId: bigint) => getStream(m.publicClient, { streamPay: m.contracts.streamPay, streamId });

describe("gateway close paths", { timeout: 120_000 }, () => {
  test("an opening hook that throws: the stream is closed, not left locked nor counted; the request is a clear 500", async () => {
    const gw = await startGateway({
      chain: chainOf(m.keys[8]!), stateDir: mkdtempSync(join(tmpdir(), "claw-gw-hook-")), port: 0, limits: { maxSpendPerDay: 10n ** 17n },
      onNote: (line) => {
        if (line.startsWith("opened stream")) throw new Error("the note sink is broken");
      },
    });
    gateways.push(gw);
    const res = await gatewayChat(gw.url, gw.key, "echo-1");
    const body = (await res.json()) as { error: { code: string; message: string } };
    const [created] = await streamsOpenedBy(m.address(8));
    assert.ok(created, "the stream was opened on chain");
    const streamId = created.args.streamId!;
    // Waits for every close in progress, the abandoned stream's included.
    await gw.payingFetch.close();
    assert.notEqual((await onChain(streamId)).status, "active", "the abandoned stream is closed on chain");
    const st = gw.status();
    assert.deepEqual(st.openStreams, [], "the log holds it closed");
    assert.equal(st.closedStreams, 1);
    // Counted at what it paid, not at its deposit, in the log and in the paying fetch's own book.
    assert.equal(st.committed.lastDay, st.spent.lastDay);
    assert.ok(BigInt(st.committed.lastDay) < created.args.deposit!, "the deposit is no longer counted");
    assert.ok(gw.payingFetch.budget().committed.day < created.args.deposit!);
    assert.equal(gw.ratings().length, 0, "a stream that served nothing is not rated");
    assert.equal(res.status, 500);
    assert.equal(body.error.code, "INTERNAL");
    assert.match(body.error.message, /was opened but could not be used \(the note sink is broken\); it is being closed/);
  });

  test("a crashed run's streams, closed by the restart recovery: overcharge faulted and rated 0; the other rated from the log", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "claw-gw-recover-"));
    const key = m.keys[9]!;
    // The earlier run: the gateway's log hooks on a paying fetch, then a crash (the log closed, no stream closed).
    const log = openGatewayLog(join(stateDir, "gateway.db"), m.address(9));
    const kept: SignedReceipt[] = [];
    const pay = createPayingFetch({
      ...chainOf(key), idleCloseMs: 3_600_000,
      hooks: {
        onOpened: (lane) => log.streamOpened(lane),
        onPaid: (p) => log.paid(p),
        onReceipt: (lane, receipt, ttft) => {
          keepReceipt(log.store, { providerId: lane.provider.id, signer: lane.stream.recipient, receipt, ...(ttft !== undefined ? { measuredTtftMs: ttft } : {}) });
          kept.push(receipt);
        },
      },
    });
    const openai = new OpenAI({ baseURL: "http://market.invalid/v1", apiKey: "unused", fetch: pay, maxRetries: 0 });
    for (const model of ["echo-1", "echo-cheap"]) {
      const r = await openai.chat.completions.create({ model, messages: [{ role: "user", content: `before the crash (${model})` }] });
      assert.equal(r.choices[0]?.message.content, `before the crash (${model})`);
    }
    const lanes = await pay.lanes();
    assert.equal(lanes.length, 2);
    for (let i = 0; kept.length < 2 && i < 200; i++) await new Promise((ok) => setTimeout(ok, 25));
    assert.equal(kept.length, 2, "both receipts kept before the crash");
    log.close();
    const over = lanes.find((l) => l.provider.id === m.cheap.offerings[0]!.providerId)!;
    const fair = lanes.find((l) => l.provider.id !== over.provider.id)!;

    // While the gateway is down, the cheap provider settles everything streamed so far: more than it signed for.
    await createTestClient({ mode: "anvil", transport: http(m.anvil.rpcUrl) }).increaseTime({ seconds: 5 });
    await createTestClient({ mode: "anvil", transport: http(m.anvil.rpcUrl) }).mine({ blocks: 1 });
    const streamed = await getStreamedAmount(m.publicClient, { streamPay: m.contracts.streamPay, streamId: over.stream.streamId });
    assert.ok(streamed > over.metered, "more has streamed than was metered");
    await settleStream(createChainClients({ rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, privateKey: m.keys[2]! }), { streamPay: m.contracts.streamPay, streamId: over.stream.streamId, amount: streamed });

    const gw = await startGateway({ chain: chainOf(key), stateDir, port: 0 });
    gateways.push(gw);
    const rec = await gw.recovered;
    assert.deepEqual(rec.failed, []);
    assert.equal(rec.receipts.length, 2);
    assert.equal((await onChain(fair.stream.streamId)).status, "settled", "the recovery closed the other stream");

    const overId = over.provider.id.toString();
    const record = gw.status().providers[overId]!;
    assert.equal(record.faults["overcharged"], 1, "the overcharge is caught at recovery as it is live");
    assert.ok(record.avoidedUntil, "and the provider is avoided");
    assert.match(record.lastFault!.detail, new RegExp(`stream ${over.stream.streamId}: took ${streamed} wei`));
    assert.equal(gw.status().providers[fair.provider.id.toString()]?.faultCount, 0);

    const domain = paymentDomain(m.anvil.chainId, m.contracts.streamPay);
    const rating = (l: typeof over) => gw.ratings().find((r) => r.streamId === l.stream.streamId);
    const digestOf = (l: typeof over) => keccak256(concat([zeroHash, receiptDigest(domain, kept.find((r) => r.streamId === l.stream.streamId)!)]));
    const overRating = rating(over);
    assert.ok(overRating?.posted, "the overcharged stream is rated");
    assert.equal(overRating.rating.score, 0);
    assert.equal(overRating.rating.receiptDigest, digestOf(over));
    const fairRating = rating(fair);
    assert.ok(fairRating?.posted, "the stream the recovery closed is rated");
    assert.equal(fairRating.rating.score, 100, "1 request, 1 verified receipt, from the log");
    assert.equal(fairRating.rating.failures, 0);
    assert.equal(fairRating.rating.receiptDigest, digestOf(fair));
  });
});
