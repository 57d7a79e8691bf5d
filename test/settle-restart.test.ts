/**
 * A settle act survives a restart (issue 12): the runtime logs `SettleRequested` before it acts, so
 * a runtime that stops between accepting the act and settling settles the stream as soon as it is
 * back — it does not wait for the idle timeout (an hour here), which the consumer's SDK would not
 * wait for. Real anvil, real runtime, the real SQLite log.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { settleRequested } from "../runtime/core/events.ts";
import { getStream } from "../runtime/chain/actions/get-stream.ts";
import { openStore } from "../runtime/store/index.ts";
import { startMarket, type Market } from "./support/market.ts";

let m: Market;
before(async () => {
  m = await startMarket({
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 50 }, pricePerSecond: 1_000_000n }],
    settlement: { idleSeconds: 3600 },
  });
});
after(() => m?.close());

test("a stream whose settle act is in the log is settled right after a restart, for its metered total", async () => {
  const consumer = m.account(2);
  const { streamId } = await m.openStream(consumer, { deposit: 1_000_000n * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
  const signer = await m.sessionSigner(consumer, streamId);
  const served = await m.post("/v1/inference", { model: "echo-1", prompt: "one job of several words" }, signer);
  assert.equal(served.status, 200);
  const metered = m.provider.views.streams.get(streamId)?.metered ?? 0n;
  assert.ok(metered > 0n);
  await m.provider.close();

  // The runtime stopped right after logging the act (as the route does before acting on it).
  const log = openStore({ path: m.storePath });
  log.append([settleRequested({ streamId, nonce: 4242n, signer: consumer.address })]);
  log.close();

  m.provider = await m.start();
  const read = () => getStream(m.publicClient, { streamPay: m.contracts.streamPay, streamId });
  const until = Date.now() + 20_000;
  while ((await read()).status === "active") {
    assert.ok(Date.now() < until, "settled after the restart without waiting for the idle timeout");
    await new Promise((r) => setTimeout(r, 100));
  }
  const final = await read();
  assert.equal(final.status, "settled");
  assert.equal(final.withdrawn, metered, "paid exactly the metered total");
  const again = await m.post("/v1/inference", { model: "echo-1", prompt: "after" }, signer);
  assert.equal(again.status, 402);
});
