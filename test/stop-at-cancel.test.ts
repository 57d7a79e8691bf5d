/**
 * Stop at cancel (issue 12): once a consumer's cancelStream is mined, no request on that stream is
 * served later than the bound — the stream cache learns the chain head every headPollMs (here
 * min(250, chain.pollIntervalMs) = 100 ms) and re-reads a stream at `latest` once per new block.
 *
 * The watcher is stopped first, so the only way the runtime can learn of the cancel is the guard's
 * own re-read: before this rule a cached stream was served until the watcher's next poll (here:
 * forever). Real anvil, real runtime, real HTTP; a burst of paid requests right after the receipt.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { startMarket, type Market } from "./support/market.ts";

let m: Market;
before(async () => {
  m = await startMarket();
});
after(() => m?.close());

const HEAD_POLL_MS = 100;
// Two round trips to a local node on a shared 2-core VM, generously: the rule's own bound is
// HEAD_POLL_MS + two round trips; what is asserted is that bound plus this allowance.
const ALLOWANCE_MS = 1_000;

test("after a cancel is mined, a burst of requests is refused STREAM_ENDED past the bound", async () => {
  const consumer = m.account(2);
  const providerId = m.provider.offerings[0]!.providerId;
  const { streamId } = await m.openStream(consumer, { deposit: 1_000_000n * 3600n, duration: 3600n, providerId });
  const signer = await m.sessionSigner(consumer, streamId);
  const ask = () => m.post("/v1/inference", { model: "echo-1", prompt: "stop at cancel" }, signer);
  const first = await ask();
  assert.equal(first.status, 200, await first.clone().text());
  await m.provider.watcher.stop();

  const hash = await m.wallet(consumer).writeContract({ address: m.contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streamId] });
  await m.publicClient.waitForTransactionReceipt({ hash });
  const minedAt = Date.now();

  const outcomes: Array<{ sentAfterMs: number; status: number; code?: string }> = [];
  const burstUntil = minedAt + HEAD_POLL_MS + ALLOWANCE_MS + 1_500;
  // Four concurrent senders, each sending again as soon as it is answered.
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (Date.now() < burstUntil) {
      const sentAfterMs = Date.now() - minedAt;
      const res = await ask();
      const body = (await res.json()) as { error?: { code: string } };
      outcomes.push({ sentAfterMs, status: res.status, ...(body.error ? { code: body.error.code } : {}) });
    }
  }));

  const bound = HEAD_POLL_MS + ALLOWANCE_MS;
  const servedLate = outcomes.filter((o) => o.status === 200 && o.sentAfterMs > bound);
  assert.deepEqual(servedLate, [], `served after the ${bound} ms bound`);
  const late = outcomes.filter((o) => o.sentAfterMs > bound);
  assert.ok(late.length > 0, "the burst reached past the bound");
  // Refused as ended; the runtime's limit on refused paid requests may answer 429 once many pile up.
  for (const o of late) assert.ok((o.status === 402 && o.code === "STREAM_ENDED") || (o.status === 429 && o.code === "RATE_LIMITED"), JSON.stringify(o));
  assert.ok(outcomes.some((o) => o.code === "STREAM_ENDED"), "refused because the stream ended (before any rate limit)");
  const served = outcomes.filter((o) => o.status === 200);
  const lastServed = served.length ? Math.max(...served.map((o) => o.sentAfterMs)) : -1;
  console.log(`stop at cancel: ${outcomes.length} requests after the receipt, ${served.length} served, last served sent at +${lastServed} ms`);
});
