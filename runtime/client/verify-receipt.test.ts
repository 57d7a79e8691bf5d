import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { privateKeyToAccount } from "viem/accounts";
import { isClawError } from "../core/errors.ts";
import { paymentDomain } from "../core/payment.ts";
import { outputDigest, receiptTypes, type JobReceipt, type SignedReceipt } from "../core/receipt.ts";
import { receiptOutcome, verifyReceipt, type ReceiptExpectation } from "./verify-receipt.ts";

const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const stranger = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const domain = paymentDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
const received = { text: "hello", toolCalls: [{ name: "f", arguments: "{\"a\":1}" }] };
const fields: JobReceipt = {
  streamId: 7n, nonce: 99n, requestHash: `0x${"11".repeat(32)}`, jobId: "j", model: "echo-1",
  meteredMs: 1500n, cost: 1_500_000n, cumulativeCost: 1_500_000n, ttftMs: 3n, outputHash: outputDigest(received),
};
const expectation: ReceiptExpectation = {
  domain, recipient: provider.address, pricePerSecond: 1_000_000n, maxJobMs: 60_000,
  sent: { streamId: 7n, nonce: 99n, requestHash: `0x${"11".repeat(32)}` }, billedCost: 1_500_000n, received,
};

async function sign(r: JobReceipt, by = provider): Promise<SignedReceipt> {
  return { ...r, signature: await by.signTypedData({ domain, types: receiptTypes, primaryType: "JobReceipt", message: r }) };
}

describe("verifyReceipt", () => {
  test("a receipt that matches the request, the billing and the answer verifies", async () => {
    const check = await verifyReceipt(await sign(fields), expectation);
    assert.equal(check.ok, true);
    assert.equal(receiptOutcome(check, "http://p", "j").jobReceipt?.cost, 1_500_000n);
  });

  test("each mismatch is named, the first one checked", async () => {
    const cases: Array<[string, Promise<SignedReceipt | undefined>, Partial<ReceiptExpectation>]> = [
      ["missing", Promise.resolve(undefined), {}],
      ["signer", sign(fields, stranger), {}],
      ["signer", sign(fields).then((r) => ({ ...r, cost: r.cost + 1n })), {}], // tampered after signing
      ["streamId", sign({ ...fields, streamId: 8n }), {}],
      ["nonce", sign({ ...fields, nonce: 98n }), {}],
      ["requestHash", sign({ ...fields, requestHash: `0x${"12".repeat(32)}` }), {}],
      ["negativeCost", sign(fields), { billedCost: -1n }],
      ["costNotBilled", sign({ ...fields, cost: 1n }), {}],
      ["costAboveCap", sign({ ...fields, cost: 60_000_001n }), { billedCost: 60_000_001n }],
      ["outputHash", sign(fields), { received: { text: "hello", toolCalls: [{ name: "f", arguments: "{\"a\":2}" }] } }],
      ["outputHash", sign(fields), { received: { text: "hell" } }],
    ];
    for (const [want, receipt, over] of cases) {
      const check = await verifyReceipt(await receipt, { ...expectation, ...over });
      assert.equal(check.ok ? "ok" : check.mismatch, want);
    }
  });

  test("the cost may equal the worst case, not exceed it", async () => {
    const atCap = { ...fields, cost: 60_000_000n };
    assert.equal((await verifyReceipt(await sign(atCap), { ...expectation, billedCost: atCap.cost })).ok, true);
  });

  test("a failed check becomes RECEIPT_INVALID naming the mismatch", async () => {
    const check = await verifyReceipt(await sign({ ...fields, cost: 1n }), expectation);
    const { receiptError, jobReceipt } = receiptOutcome(check, "http://p", "j");
    assert.equal(jobReceipt, undefined);
    assert.ok(isClawError(receiptError, "RECEIPT_INVALID"));
    assert.equal(receiptError.status, 502);
    assert.equal(receiptError.details?.mismatch, "costNotBilled");
  });
});
