/**
 * GET {endpoint}/v1/quote?model= and the checks that make it safe to pay: the quote must name the
 * chain and StreamPay we are on, and the provider id and wallet the registry holds for this
 * endpoint — otherwise the endpoint is answering for someone else (QUOTE_MISMATCH) and we do not pay.
 */
import { getAddress, type Address } from "viem";
import { ClawError } from "../core/errors.ts";
import type { ClientChain } from "./chain.ts";
import { providerJson } from "./provider-http.ts";
import type { KeyAgreementOffer } from "../core/key-agreement.ts";
import type { OfferingKind, ProviderInfo, Quote } from "./types.ts";

export type WireQuote = {
  model: string; kind: OfferingKind; providerId: string; recipient: Address; pricePerSecond: string; serviceType: number;
  minJobMs: number; maxJobSeconds: number; queue: Quote["queue"]; suggested: { durationSeconds: number; deposit: string };
  chainId: number; contracts: { registry: Address; streamPay: Address };
  payment?: { keyAgreement?: KeyAgreementOffer };
};

/** Parses the wire quote (amounts as decimal strings) into bigint form. Pure. */
export function parseQuote(w: WireQuote): Quote {
  return {
    model: w.model, kind: w.kind, providerId: BigInt(w.providerId), recipient: getAddress(w.recipient), pricePerSecond: BigInt(w.pricePerSecond),
    serviceType: w.serviceType, minJobMs: w.minJobMs, maxJobSeconds: w.maxJobSeconds, queue: w.queue,
    suggested: { durationSeconds: w.suggested.durationSeconds, deposit: BigInt(w.suggested.deposit) },
    chainId: w.chainId, contracts: { registry: getAddress(w.contracts.registry), streamPay: getAddress(w.contracts.streamPay) },
    // Passed on as strings; the session signer checks it (signed by the recipient) before any use.
    ...(typeof w.payment?.keyAgreement?.x25519 === "string" && typeof w.payment.keyAgreement.signature === "string"
      ? { keyAgreement: { x25519: w.payment.keyAgreement.x25519, signature: w.payment.keyAgreement.signature } } : {}),
  };
}

/** Throws QUOTE_MISMATCH when the quote does not belong to `provider` on `chain`. Pure. */
export function checkQuote(q: Quote, provider: ProviderInfo, chain: Pick<ClientChain, "chainId" | "contracts">): void {
  const problems: string[] = [];
  if (q.chainId !== chain.chainId) problems.push(`chain ${q.chainId}, not ${chain.chainId}`);
  if (q.contracts.streamPay.toLowerCase() !== chain.contracts.streamPay.toLowerCase()) problems.push(`StreamPay ${q.contracts.streamPay}, not ${chain.contracts.streamPay}`);
  if (q.providerId !== provider.id) problems.push(`provider id ${q.providerId}, not ${provider.id}`);
  if (q.recipient.toLowerCase() !== provider.wallet.toLowerCase()) problems.push(`recipient ${q.recipient}, not the registered wallet ${provider.wallet}`);
  if (q.model !== provider.model) problems.push(`model ${q.model}, not ${provider.model}`);
  if (problems.length > 0) {
    throw new ClawError("QUOTE_MISMATCH", {
      message: `The quote from ${provider.endpoint} does not match registry provider #${provider.id}: ${problems.join("; ")}.`,
      details: { providerId: provider.id.toString(), endpoint: provider.endpoint, problems },
    });
  }
}

/**
 * @example
 * const q = await fetchQuote(chain, provider); // q.pricePerSecond, q.queue.expectedWaitMs, ...
 */
export async function fetchQuote(chain: ClientChain, provider: ProviderInfo, o: { timeoutMs?: number } = {}): Promise<Quote> {
  const wire = await providerJson<WireQuote>(provider.endpoint, `/v1/quote?model=${encodeURIComponent(provider.model)}`, { timeoutMs: o.timeoutMs ?? 10_000 });
  const q = parseQuote(wire);
  checkQuote(q, provider, chain);
  return q;
}
