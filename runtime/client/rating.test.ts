import { test } from "node:test";
import assert from "node:assert/strict";
import { concat, keccak256, zeroHash, type Hex } from "viem";
import { paymentDomain } from "../core/payment.ts";
import { receiptDigest, type SignedReceipt } from "../core/receipt.ts";
import { drainReceipts, measureReceipt, measureRequest, newMeasure, queueReceipt, rateable, ratingOf } from "./rating.ts";

const d = { chainId: 31337, streamPay: "0x00000000000000000000000000000000000000aa" as Hex };
const receipt = (nonce: bigint, meteredMs = 2000n): SignedReceipt => ({
  streamId: 7n, nonce, requestHash: zeroHash, jobId: `j${nonce}`, model: "echo-1", meteredMs, cost: 10n, cumulativeCost: 10n * nonce,
  ttftMs: 5n, outputHash: zeroHash, signature: "0x",
});

test("the score rule: verified receipts over requests paid; overcharged or nothing asked is 0", () => {
  const table: Array<[string, { requests: number; verified: number; overcharged?: boolean }, number, number]> = [
    ["all verified", { requests: 4, verified: 4 }, 100, 0],
    ["3 of 4", { requests: 4, verified: 3 }, 75, 1],
    ["1 of 3 (floored)", { requests: 3, verified: 1 }, 33, 2],
    ["none verified", { requests: 2, verified: 0 }, 0, 2],
    ["nothing asked", { requests: 0, verified: 0 }, 0, 0],
    ["overcharged", { requests: 5, verified: 5, overcharged: true }, 0, 0],
    ["more receipts than requests counted (a race): capped", { requests: 2, verified: 3 }, 100, 0],
  ];
  for (const [name, m, score, failures] of table) {
    const r = ratingOf({ ...newMeasure(), ...m });
    assert.deepEqual([r.score, r.failures], [score, failures], name);
  }
});

test("medians, bounds and the receipt hash chain in the order kept", () => {
  const m = newMeasure();
  for (const [nonce, ttft, tokens] of [[1n, 300, 100], [2n, 100, 40], [3n, 200, 60]] as const) {
    measureRequest(m);
    measureReceipt(m, d, receipt(nonce), { ttftMs: ttft, outputTokens: tokens });
  }
  measureRequest(m); // a fourth paid request without a receipt
  const r = ratingOf(m);
  assert.equal(r.ttftMs, 200, "median of 300, 100, 200");
  assert.equal(r.tokensPerSecond, 30, "median of 50, 20, 30 tokens/s over 2 s each");
  assert.deepEqual([r.score, r.failures], [75, 1]);
  const dg = (n: bigint) => receiptDigest(paymentDomain(d.chainId, d.streamPay), receipt(n));
  let h: Hex = zeroHash;
  for (const n of [1n, 2n, 3n]) h = keccak256(concat([h, dg(n)]));
  assert.equal(r.receiptDigest, h);
  assert.equal(ratingOf(newMeasure()).receiptDigest, zeroHash, "no receipts: zero");
  // Figures stay within the contract's widths whatever was measured.
  const big = { ...newMeasure(), requests: 100_000, verified: 0, ttftMs: [1e12], tokensPerSecond: [1e12] };
  assert.deepEqual([ratingOf(big).ttftMs, ratingOf(big).tokensPerSecond, ratingOf(big).failures], [2 ** 24 - 1, 2 ** 24 - 1, 2 ** 16 - 1]);
  // Samples are bounded (the last 200).
  const many = newMeasure();
  for (let i = 0; i < 500; i++) measureReceipt(many, d, receipt(1n), { ttftMs: i });
  assert.equal(many.ttftMs.length, 200);
});

test("rateable: closed (a close transaction) and paid the provider something", () => {
  const tx = `0x${"1".repeat(64)}` as Hex;
  assert.equal(rateable({ paid: 1n, txHashes: { open: tx, close: tx } }), true);
  assert.equal(rateable({ paid: 0n, txHashes: { open: tx, close: tx } }), false);
  assert.equal(rateable({ paid: 5n, txHashes: { open: tx } }), false);
});

test("queued receipts are measured in order off the caller's path, and drained before a rating", async () => {
  const a = newMeasure();
  const b = newMeasure();
  for (const n of [1n, 2n, 3n]) {
    measureReceipt(a, d, receipt(n), { ttftMs: Number(n) });
    queueReceipt(b, d, receipt(n), { ttftMs: Number(n) });
  }
  assert.equal(b.verified, 0, "nothing hashed yet");
  drainReceipts(b);
  assert.deepEqual([b.verified, b.receiptChain, b.ttftMs], [a.verified, a.receiptChain, a.ttftMs]);
  const c = newMeasure();
  queueReceipt(c, d, receipt(1n));
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(c.verified, 1, "drained on a later turn by itself");
});
