import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { privateKeyToAccount } from "viem/accounts";
import { paymentDomain } from "../core/payment.ts";
import { outputDigest, receiptSigner, receiptTypes } from "../core/receipt.ts";
import { createReceiptSigner } from "./receipt-signer.ts";

const walletKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const wallet = privateKeyToAccount(walletKey);
const domain = paymentDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");

describe("receipt signer", () => {
  test("signs each receipt with the provider's wallet: it recovers to that address, fields unchanged", async () => {
    const signer = createReceiptSigner(wallet, domain);
    const receipt = {
      streamId: 3n, nonce: 42n, requestHash: `0x${"ab".repeat(32)}` as const, jobId: "j-1", model: "echo-1",
      meteredMs: 250n, cost: 250n, cumulativeCost: 900n, ttftMs: 4n, outputHash: outputDigest({ text: "ok" }),
    };
    const signed = await signer.sign(receipt);
    assert.equal(signer.address, wallet.address);
    assert.deepEqual({ ...signed, signature: undefined }, { ...receipt, signature: undefined });
    assert.equal(await receiptSigner(domain, signed), wallet.address);
  });

  test("with the wallet's key it signs the fast digest: the same signature as the typed data, for many receipts", async () => {
    const fast = createReceiptSigner(wallet, domain, { privateKey: walletKey });
    for (let i = 0; i < 50; i++) {
      const receipt = {
        streamId: BigInt(i), nonce: BigInt(i * 7919), requestHash: outputDigest({ text: `request ${i}` }), jobId: crypto.randomUUID(), model: `echo-${i % 3}`,
        meteredMs: BigInt(i * 13), cost: BigInt(i * 13_000), cumulativeCost: BigInt(i * 99_000), ttftMs: BigInt(i % 5), outputHash: outputDigest({ text: `answer ${i}` }),
      };
      const expected = await wallet.signTypedData({ domain, types: receiptTypes, primaryType: "JobReceipt", message: receipt });
      assert.equal((await fast.sign(receipt)).signature, expected);
    }
  });

  test("a key that is not the wallet's is refused at creation", () => {
    assert.throws(() => createReceiptSigner(wallet, domain, { privateKey: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" }), /not the wallet's/);
  });
});
