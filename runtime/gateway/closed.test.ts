import assert from "node:assert/strict";
import { test } from "node:test";
import { concat, keccak256, zeroHash, type Hex } from "viem";
import type { StoredEvent } from "../core/events.ts";
import { paymentDomain } from "../core/payment.ts";
import { receiptDigest, type SignedReceipt } from "../core/receipt.ts";
import { ratingOf } from "../client/rating.ts";
import { measureFromLog } from "./closed.ts";

const streamPay = "0x00000000000000000000000000000000000000cc" as Hex;
const receipt = (streamId: bigint, nonce: bigint): SignedReceipt => ({
  streamId, nonce, requestHash: `0x${"1".repeat(64)}`, jobId: `j${nonce}`, model: "echo-1", meteredMs: 100n, cost: 10n * nonce,
  cumulativeCost: 10n * nonce, ttftMs: 5n, outputHash: `0x${"2".repeat(64)}`, signature: `0x${"3".repeat(130)}`,
});
const completed = (streamId: bigint) => ({ type: "JobCompleted", data: { streamId, jobId: "x", meteredMs: 0n, cost: 1n, tokens: {} } });
const kept = (r: SignedReceipt, measuredTtftMs: number) => ({ type: "ReceiptKept", data: { ...r, providerId: 3n, signer: "0x", measuredTtftMs } });

test("a stream's measure from the log: its paid requests and its verified receipts in log order, other streams ignored (same rule as live)", () => {
  const [a, b] = [receipt(7n, 1n), receipt(7n, 2n)];
  const events = [completed(7n), completed(8n), kept(a, 40), completed(7n), kept(receipt(8n, 1n), 1), completed(7n), kept(b, 60)] as unknown as StoredEvent[];
  const m = measureFromLog({ replay: (f, init) => events.reduce(f, init) }, 7n, { chainId: 31337, streamPay });
  const domain = paymentDomain(31337, streamPay);
  const chain = keccak256(concat([keccak256(concat([zeroHash, receiptDigest(domain, a)])), receiptDigest(domain, b)]));
  assert.deepEqual(ratingOf(m), { score: 66, ttftMs: 40, tokensPerSecond: 0, failures: 1, receiptDigest: chain });
  assert.equal(ratingOf(measureFromLog({ replay: (f, init) => events.reduce(f, init) }, 9n, { chainId: 31337, streamPay })).score, 0, "nothing asked: 0");
});
