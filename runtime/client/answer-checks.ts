/**
 * After an answer was delivered: is the provider's job receipt (claw.receipt) valid for the request
 * sent and the answer relayed? (./verify-receipt.ts: signer = the stream's recipient, stream, nonce and
 * request hash = the proof sent, cost = the billed cost within [0, price × the request's time cap],
 * output hash = the digest of what was relayed.) A missing or invalid receipt, or an answer that ended
 * without its billing, is a provider fault; a verified receipt is kept by the caller as evidence.
 * Answers cut by the relay (their fault is already reported), left by the caller, or in a format that
 * carries no billing are not judged.
 */
import { bodyHashOf, paymentDomain } from "../core/payment.ts";
import type { SignedReceipt } from "../core/receipt.ts";
import type { ProviderFaultKind } from "./faults.ts";
import type { Lane } from "./lanes.ts";
import type { Delivery, Proof } from "./relay.ts";
import { verifyReceipt } from "./verify-receipt.ts";

export type DeliveryVerdict = { receipt?: SignedReceipt; fault?: { kind: ProviderFaultKind; detail: string } };

/**
 * @example
 * const v = await checkDelivery({ lane, body: r.body, proof, delivery, maxRequestSeconds: 120, chainId, streamPay });
 * if (v.fault) report(v.fault); else if (v.receipt) keep(v.receipt);
 */
export async function checkDelivery(i: {
  lane: Lane; body: Uint8Array; proof: Proof; delivery: Delivery; maxRequestSeconds: number; chainId: number; streamPay: `0x${string}`;
}): Promise<DeliveryVerdict> {
  const d = i.delivery;
  if (d.cut || d.cancelled || d.format === "other") return {};
  const endpoint = i.lane.provider.endpoint;
  if (!d.billing) return { fault: { kind: "malformed-answer", detail: `${endpoint} ended an answer without its billing (claw).` } };
  const quoted = i.lane.quote.pricePerSecond;
  const registered = i.lane.provider.pricePerSecond;
  const check = await verifyReceipt(d.billing.receipt, {
    domain: paymentDomain(i.chainId, i.streamPay),
    recipient: i.lane.stream.recipient,
    pricePerSecond: quoted > registered ? quoted : registered,
    maxJobMs: Math.ceil(i.maxRequestSeconds) * 1000,
    sent: { streamId: i.lane.stream.streamId, nonce: i.proof.nonce, requestHash: bodyHashOf(i.body) },
    billedCost: d.billing.cost,
    received: d.output,
  });
  if (check.ok) return { receipt: check.receipt };
  return { fault: { kind: "bad-receipt", detail: `${endpoint}: job ${d.billing.jobId.slice(0, 100)}: receipt ${check.mismatch}: ${check.message}` } };
}
