import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { privateKeyToAccount } from "viem/accounts";
import { paymentDomain } from "../core/payment.ts";
import { outputDigest, receiptSigner } from "../core/receipt.ts";
import { createReceiptSigner } from "./receipt-signer.ts";

const wallet = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
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
});
