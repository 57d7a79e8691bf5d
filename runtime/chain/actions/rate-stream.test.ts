import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { keccak256, parseEventLogs, toHex } from "viem";
import { computeRegistryAbi } from "../../../contracts/generated/abi.ts";
import { isClawError } from "../../core/errors.ts";
import { createStream } from "./create-stream.ts";
import { getReputation } from "./get-reputation.ts";
import { rateStream } from "./rate-stream.ts";
import { registerProvider } from "./register-provider.ts";
import { settleStream } from "./settle-stream.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("the sender of a settled provider stream rates it once, weighted by what it paid", async () => {
  const provider = t.wallet(1);
  const consumer = t.wallet(2);
  const { providerId } = await registerProvider(provider, { registry: t.contracts.registry, model: "echo-1", pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });
  const { stream } = await createStream(consumer, { streamPay: t.contracts.streamPay, recipient: provider.address, durationSeconds: 10n, serviceType: 0, providerId, deposit: 10n ** 15n });
  await assert.rejects(rateStream(consumer, { registry: t.contracts.registry, streamId: stream.streamId, score: 90, ttftMs: 1, tokensPerSecond: 1, failures: 0 }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "StreamStillActive");
  await t.advance(5);
  await settleStream(provider, { streamPay: t.contracts.streamPay, streamId: stream.streamId, amount: 4n * 10n ** 14n });
  const receiptDigest = keccak256(toHex("receipt"));
  const { receipt } = await rateStream(consumer, { registry: t.contracts.registry, streamId: stream.streamId, score: 90, ttftMs: 320, tokensPerSecond: 48, failures: 1, receiptDigest });
  const [ev] = parseEventLogs({ abi: computeRegistryAbi, logs: receipt.logs, eventName: "StreamRated" });
  assert.deepEqual({ ...ev?.args }, { providerId, streamId: stream.streamId, rater: consumer.address, paid: 4n * 10n ** 14n, score: 90, ttftMs: 320, tokensPerSecond: 48, failures: 1, receiptDigest });
  const rep = await getReputation(t.read, { registry: t.contracts.registry, providerId });
  assert.equal(rep?.ratings, 1n);
  assert.equal(rep?.paidByRaters, 4n * 10n ** 14n);
  assert.equal(rep?.weight, 400_000n, "0.0004 coin in gwei");
  assert.deepEqual(rep?.averages, { score: 90n, ttftMs: 320n, tokensPerSecond: 48n, failures: 1n });
  await assert.rejects(rateStream(consumer, { registry: t.contracts.registry, streamId: stream.streamId, score: 10, ttftMs: 1, tokensPerSecond: 1, failures: 0 }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "AlreadyRated");
  await assert.rejects(rateStream(provider, { registry: t.contracts.registry, streamId: stream.streamId, score: 100, ttftMs: 1, tokensPerSecond: 1, failures: 0 }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NotStreamSender");
});

test("figures outside the contract's widths are refused before anything is sent", async () => {
  const base = { registry: t.contracts.registry, streamId: 1n, score: 50, ttftMs: 1, tokensPerSecond: 1, failures: 0 };
  for (const bad of [{ score: 101 }, { score: 1.5 }, { ttftMs: 2 ** 24 }, { tokensPerSecond: -1 }, { failures: 65_536 }, { receiptDigest: "0x12" as const }]) {
    await assert.rejects(rateStream(t.wallet(2), { ...base, ...bad }), (e) => isClawError(e, "BAD_REQUEST"), JSON.stringify(bad));
  }
  assert.equal(await getReputation(t.read, { registry: t.contracts.registry, providerId: 99n }), null, "unknown provider: null");
});
