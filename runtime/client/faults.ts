/**
 * Provider faults: what a provider did wrong to a paying consumer, as seen from the buying side.
 * One small shared shape so the spend logic (which refuses a lying cost), the relay (which caps an
 * oversized answer) and the gateway's routing/status (which avoids faulty providers for a while) speak
 * of the same thing. The paying fetch reports each one through `PayingFetchHooks.onProviderFault`; the
 * gateway logs it as an event.
 */

/** Why a provider is at fault. */
export type ProviderFaultKind =
  /** Reported a negative job cost. */
  | "cost-negative"
  /** Reported a job cost above what the request could cost at most (price × its time cap). */
  | "cost-above-worst-case"
  /** Reported a malformed billing (not a whole number of wei, wrong stream, …). */
  | "billing-malformed"
  /** Took more on chain than it reported (settled above what it billed). */
  | "overcharged"
  /** Sent an answer that could not be read (malformed JSON / SSE). */
  | "malformed-answer"
  /** Sent more bytes than the consumer's cap. */
  | "oversized-answer"
  /** Failed (error, unreachable, cut) before the first token. */
  | "failed-before-first-token"
  /** A job receipt that does not verify or does not match the answer. */
  | "bad-receipt";

export type ProviderFault = {
  /** The registry id of the provider. */
  providerId: bigint;
  kind: ProviderFaultKind;
  /** One sentence for humans (bounded by the reporter: at most 500 characters). */
  detail: string;
  /** When it was seen (ms since the epoch). */
  at: number;
};

/** The longest `detail` a fault carries (outside input may end up in it). */
export const FAULT_DETAIL_MAX = 500;

/**
 * A fault with its detail bounded.
 * @example
 * providerFault(3n, "cost-negative", "reported -5 wei for job j1") // { providerId: 3n, kind: "cost-negative", detail: "…", at: Date.now() }
 */
export function providerFault(providerId: bigint, kind: ProviderFaultKind, detail: string, at = Date.now()): ProviderFault {
  return { providerId, kind, detail: detail.slice(0, FAULT_DETAIL_MAX), at };
}
