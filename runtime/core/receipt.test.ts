import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { privateKeyToAccount } from "viem/accounts";
import { paymentDomain } from "./payment.ts";
import { outputDigest, receiptFromWire, receiptSigner, receiptToWire, receiptTypes, type JobReceipt } from "./receipt.ts";

const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const domain = paymentDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const receipt: JobReceipt = {
  streamId: 7n, nonce: 123456789n, requestHash: `0x${"11".repeat(32)}`, jobId: "job-1", model: "echo-1",
  meteredMs: 1234n, cost: 1_234_000n, cumulativeCost: 5_000_000n, ttftMs: 12n, outputHash: outputDigest({ text: "hi" }),
};

async function signed() {
  const signature = await provider.signTypedData({ domain, types: receiptTypes, primaryType: "JobReceipt", message: receipt });
  return { ...receipt, signature };
}

describe("job receipts", () => {
  test("a receipt signed by the provider recovers to its address, through the wire form", async () => {
    const r = receiptFromWire(JSON.parse(JSON.stringify(receiptToWire(await signed()))));
    assert.ok(r);
    assert.equal(await receiptSigner(domain, r), provider.address);
  });
  test("any changed field recovers to another address", async () => {
    const s = await signed();
    assert.notEqual(await receiptSigner(domain, { ...s, cost: s.cost - 1n }), provider.address);
    assert.notEqual(await receiptSigner(domain, { ...s, cumulativeCost: s.cumulativeCost + 1n }), provider.address);
    assert.notEqual(await receiptSigner(paymentDomain(56, domain.verifyingContract), s), provider.address);
  });
  test("malformed wire receipts are refused, never thrown", async () => {
    const w = receiptToWire(await signed());
    for (const bad of [null, 1, {}, { ...w, cost: "-1" }, { ...w, cost: "1e3" }, { ...w, signature: "0x12" }, { ...w, ttftMs: (2n ** 64n).toString() }, { ...w, model: "m".repeat(201) }, { ...w, requestHash: "0x" }]) {
      assert.equal(receiptFromWire(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
    }
  });
  test("outputDigest covers text, tool calls and images, in order", () => {
    const base = outputDigest({ text: "a" });
    assert.equal(base, outputDigest({ text: "a", toolCalls: [], images: [] }));
    assert.notEqual(base, outputDigest({ text: "b" }));
    assert.notEqual(outputDigest({ toolCalls: [{ name: "f", arguments: "{}" }] }), outputDigest({ toolCalls: [{ name: "f", arguments: "{ }" }] }));
    const i1 = new Uint8Array([1]), i2 = new Uint8Array([2]);
    assert.notEqual(outputDigest({ images: [i1, i2] }), outputDigest({ images: [i2, i1] }));
  });
});
