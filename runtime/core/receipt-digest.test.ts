import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, getAddress, type Hex } from "viem";
import { paymentDomain } from "./payment.ts";
import { receiptDigest, receiptDigestByViem, type JobReceipt } from "./receipt.ts";
import { createReceiptHasher } from "./receipt-digest.ts";

const rand = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const randUint = (bits: number) => {
  // Mostly small values (what receipts carry), sometimes the full width.
  const bytes = Math.random() < 0.3 ? bits / 8 : 1 + Math.floor(Math.random() * 4);
  return BigInt(bytesToHex(rand(bytes))) >> BigInt(Math.max(0, bytes * 8 - bits));
};
const randText = () => {
  const alphabet = ["a", "Z", "0", "-", " ", "é", "模型", "🦀", "\n", '"'];
  return Array.from({ length: Math.floor(Math.random() * 40) }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
};
function randomReceipt(): JobReceipt {
  return {
    streamId: randUint(256), nonce: randUint(256), requestHash: bytesToHex(rand(32)), jobId: Math.random() < 0.5 ? crypto.randomUUID() : randText(),
    model: randText(), meteredMs: randUint(64), cost: randUint(256), cumulativeCost: randUint(256), ttftMs: randUint(64), outputHash: bytesToHex(rand(32)),
  };
}

describe("fast receipt digest", () => {
  test("equals viem's hashTypedData over 500 random receipts and domains", () => {
    for (let i = 0; i < 500; i++) {
      const domain = paymentDomain(1 + Math.floor(Math.random() * 2 ** 31), getAddress(bytesToHex(rand(20))));
      const r = randomReceipt();
      assert.equal(bytesToHex(createReceiptHasher(domain)(r)), receiptDigestByViem(domain, r), JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    }
  });

  test("receiptDigest keeps one hasher per domain: alternating markets never mix their digests", () => {
    const domains = [paymentDomain(56, "0x5FbDB2315678afecb367f032d93F642f64180aa3"), paymentDomain(97, "0x5FbDB2315678afecb367f032d93F642f64180aa3"), paymentDomain(56, getAddress(bytesToHex(rand(20))))];
    for (let i = 0; i < 30; i++) {
      const domain = domains[i % 3]!;
      const r = randomReceipt();
      assert.equal(receiptDigest(domain, r), receiptDigestByViem(domain, r));
    }
  });

  test("equals it at the edges: zeros, the largest uint64 and uint256, empty strings, a cached model reused", () => {
    const domain = paymentDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
    const digestOf = createReceiptHasher(domain);
    const max64 = 2n ** 64n - 1n;
    const max256 = 2n ** 256n - 1n;
    const zero: JobReceipt = { streamId: 0n, nonce: 0n, requestHash: `0x${"00".repeat(32)}`, jobId: "", model: "", meteredMs: 0n, cost: 0n, cumulativeCost: 0n, ttftMs: 0n, outputHash: `0x${"00".repeat(32)}` };
    const full: JobReceipt = { streamId: max256, nonce: max256, requestHash: `0x${"fF".repeat(32)}`, jobId: "j", model: "m", meteredMs: max64, cost: max256, cumulativeCost: max256, ttftMs: max64, outputHash: `0x${"Ab".repeat(32)}` };
    for (const r of [zero, full, { ...full, model: "" }, { ...zero, model: "m" }]) assert.equal(bytesToHex(digestOf(r)), receiptDigestByViem(domain, r));
  });

  test("out-of-range integers and malformed hashes throw instead of hashing something else", () => {
    const digestOf = createReceiptHasher(paymentDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3"));
    const ok = randomReceipt();
    for (const bad of [{ meteredMs: 2n ** 64n }, { ttftMs: -1n }, { cost: 2n ** 256n }, { streamId: -1n }, { requestHash: "0x12" as Hex }, { outputHash: `0x${"zz".repeat(32)}` as Hex }]) {
      assert.throws(() => digestOf({ ...ok, ...bad }), /JobReceipt\./, JSON.stringify(bad, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    }
  });
});
