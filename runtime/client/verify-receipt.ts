/**
 * Checks a provider-signed job receipt (core/receipt.ts) against what the consumer itself knows:
 * the stream it pays (its recipient must be the signer), the request it sent (stream, nonce, body
 * hash), the cost the provider billed in the same answer, the worst case the request could cost
 * (price × the request's time cap) and the output it actually received. The first mismatch is named
 * (`field`), so a caller can record it as a provider fault. A verified receipt is evidence: signed
 * by the provider's wallet, checkable by anyone (`ecrecover`) against what the provider later
 * settles on chain.
 */
import type { Address, Hex } from "viem";
import { ClawError } from "../core/errors.ts";
import { meteredCost } from "../core/money.ts";
import type { PaymentDomain } from "../core/payment.ts";
import { outputDigest, receiptSigner, type DeliveredOutput, type SignedReceipt } from "../core/receipt.ts";
import type { ReceiptResult } from "./types.ts";

/** What holds for every request on one stream. */
export type ReceiptTerms = {
  domain: PaymentDomain;
  /** The stream's recipient: the only wallet whose receipts count. */
  recipient: Address;
  /** The price the stream was opened for (wei per second). */
  pricePerSecond: bigint;
  /** The longest a request may run (ms), e.g. the quote's maxJobSeconds × 1000. */
  maxJobMs: number;
};

/** The payment proof the request was sent with. */
export type SentProof = { streamId: bigint; nonce: bigint; requestHash: Hex };

export type ReceiptExpectation = ReceiptTerms & {
  sent: SentProof;
  /** `claw.cost` of the same answer. */
  billedCost: bigint;
  /** What the consumer received (the same fields the provider digests). */
  received: DeliveredOutput;
};

/** Which check failed first, in the order they run. */
export type ReceiptMismatch =
  | "missing" | "signer" | "streamId" | "nonce" | "requestHash" | "negativeCost" | "costNotBilled" | "costAboveCap" | "outputHash";

export type ReceiptCheck =
  | { ok: true; receipt: SignedReceipt }
  | { ok: false; mismatch: ReceiptMismatch; message: string; receipt?: SignedReceipt };

/**
 * @example
 * const check = await verifyReceipt(billing.receipt, { ...terms, sent: { streamId, nonce, requestHash }, billedCost: billing.cost, received: { text } });
 * if (!check.ok) console.warn(check.mismatch, check.message);
 */
export async function verifyReceipt(receipt: SignedReceipt | undefined, e: ReceiptExpectation): Promise<ReceiptCheck> {
  if (!receipt) return { ok: false, mismatch: "missing", message: "The answer carries no well-formed claw.receipt." };
  const fail = (mismatch: ReceiptMismatch, message: string): ReceiptCheck => ({ ok: false, mismatch, message, receipt });
  let signer: Address | undefined;
  try {
    signer = await receiptSigner(e.domain, receipt);
  } catch {
    signer = undefined;
  }
  if (signer?.toLowerCase() !== e.recipient.toLowerCase()) return fail("signer", `The receipt is signed by ${signer ?? "nobody"}, not by the stream's recipient ${e.recipient}.`);
  if (receipt.streamId !== e.sent.streamId) return fail("streamId", `The receipt is for stream ${receipt.streamId}, the request paid on stream ${e.sent.streamId}.`);
  if (receipt.nonce !== e.sent.nonce) return fail("nonce", `The receipt names nonce ${receipt.nonce}, the request was sent with ${e.sent.nonce}.`);
  if (receipt.requestHash.toLowerCase() !== e.sent.requestHash.toLowerCase()) return fail("requestHash", `The receipt's request hash ${receipt.requestHash} is not the hash of the body sent (${e.sent.requestHash}).`);
  if (receipt.cost < 0n || e.billedCost < 0n) return fail("negativeCost", `A negative cost (receipt ${receipt.cost}, billed ${e.billedCost} wei) is never valid.`);
  if (receipt.cost !== e.billedCost) return fail("costNotBilled", `The receipt signs ${receipt.cost} wei, the answer billed ${e.billedCost} wei.`);
  const cap = meteredCost(BigInt(Math.max(0, Math.floor(e.maxJobMs))), e.pricePerSecond);
  if (receipt.cost > cap) return fail("costAboveCap", `The receipt's cost ${receipt.cost} wei is above the request's worst case ${cap} wei (${e.pricePerSecond} wei/s for ${e.maxJobMs} ms).`);
  const digest = outputDigest(e.received);
  if (receipt.outputHash !== digest) return fail("outputHash", `The receipt's output hash ${receipt.outputHash} is not the digest of what was received (${digest}).`);
  return { ok: true, receipt };
}

/**
 * @example
 * const outcome = receiptOutcome(await verifyReceipt(billing.receipt, expectation), endpoint, billing.jobId);
 * return { text, billing, ...outcome };
 */
/** The SDK's result fields for a check: the verified receipt, or the RECEIPT_INVALID error naming the mismatch. */
export function receiptOutcome(check: ReceiptCheck, endpoint: string, jobId: string): ReceiptResult {
  if (check.ok) return { jobReceipt: check.receipt };
  return {
    receiptError: new ClawError("RECEIPT_INVALID", {
      message: `${endpoint}'s receipt for job ${jobId} is invalid (${check.mismatch}): ${check.message}`,
      details: { endpoint, jobId, mismatch: check.mismatch },
    }),
  };
}
