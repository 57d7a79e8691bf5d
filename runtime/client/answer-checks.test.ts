import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { privateKeyToAccount } from "viem/accounts";
import { ClawError } from "../core/errors.ts";
import { bodyHashOf, paymentDomain } from "../core/payment.ts";
import { outputDigest, receiptTypes, type JobReceipt, type SignedReceipt } from "../core/receipt.ts";
import { checkDelivery } from "./answer-checks.ts";
import type { Lane } from "./lanes.ts";
import type { Delivery } from "./relay.ts";

const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const streamPay = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
const domain = paymentDomain(31337, streamPay);
const body = new TextEncoder().encode('{"model":"echo-1","messages":[]}');
const lane = { provider: { endpoint: "http://p", id: 3n, pricePerSecond: 1_000_000n }, quote: { pricePerSecond: 1_000_000n }, stream: { streamId: 7n, recipient: provider.address } } as unknown as Lane;
const proof = { nonce: 99n, bodyHash: bodyHashOf(body) };
const output = { text: "hello" };

async function signed(over: Partial<JobReceipt> = {}): Promise<SignedReceipt> {
  const r: JobReceipt = {
    streamId: 7n, nonce: 99n, requestHash: bodyHashOf(body), jobId: "j", model: "echo-1", meteredMs: 20n, cost: 20_000n, cumulativeCost: 20_000n, ttftMs: 2n,
    outputHash: outputDigest(output), ...over,
  };
  return { ...r, signature: await provider.signTypedData({ domain, types: receiptTypes, primaryType: "JobReceipt", message: r }) };
}
const delivery = (receipt: SignedReceipt | undefined, d: Partial<Delivery> = {}): Delivery => ({
  output, format: "json", ttftMs: 5,
  billing: { jobId: "j", streamId: 7n, meteredMs: 20, cost: receipt?.cost ?? 20_000n, pricePerSecond: 1_000_000n, ...(receipt ? { receipt } : {}) } as Delivery["billing"],
  ...d,
});
const check = (d: Delivery) => checkDelivery({ lane, body, proof, delivery: d, maxRequestSeconds: 120, chainId: 31337, streamPay });

describe("checkDelivery", () => {
  test("a receipt over the request sent and the answer relayed is kept", async () => {
    const v = await check(delivery(await signed()));
    assert.equal(v.fault, undefined);
    assert.equal(v.receipt?.cost, 20_000n);
  });

  test("a missing receipt, an answer changed after signing, or no billing at all is the provider's fault", async () => {
    assert.equal((await check(delivery(undefined))).fault?.kind, "bad-receipt");
    const changed = await check(delivery(await signed(), { output: { text: "hello!" } }));
    assert.equal(changed.fault?.kind, "bad-receipt");
    assert.match(changed.fault!.detail, /outputHash/);
    const other = await check(delivery(await signed({ nonce: 98n })));
    assert.match(other.fault!.detail, /nonce/);
    const { billing: _, ...noBilling } = delivery(await signed());
    assert.equal((await check(noBilling)).fault?.kind, "malformed-answer");
  });

  test("answers cut by a cap, left by the caller, or in a format without billing are not judged", async () => {
    const cut = new ClawError("PROVIDER_FAILED", { message: "too large", details: { providerCode: "ANSWER_TOO_LARGE" } });
    assert.deepEqual(await check(delivery(undefined, { cut })), {});
    assert.deepEqual(await check(delivery(undefined, { cancelled: true })), {});
    assert.deepEqual(await check(delivery(undefined, { format: "other" })), {});
  });
});
