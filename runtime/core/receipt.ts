/**
 * Provider-signed job receipts: the provider's wallet signs, per paid job, what it served and what it
 * billed (EIP-712 `JobReceipt`, same domain as payment proofs: chain id + StreamPay address, so a
 * receipt is tied to one market). The consumer side verifies each receipt against the stream's
 * recipient and keeps it; a receipt is evidence that can be checked off-chain or by a contract
 * (`ecrecover`), e.g. against what the provider later settled on chain.
 *
 * Fields:
 *   streamId, nonce   the payment proof the request was sent with (the consumer's own numbers)
 *   requestHash       keccak256 of the exact request body bytes (the proof's body hash)
 *   jobId, model      the provider's job id and the offering that served it
 *   meteredMs, cost   what this job was billed (cost = floor(meteredMs × price / 1000))
 *   cumulativeCost    the stream's billed total after this job, as the provider's log has it
 *   ttftMs            ms from admission to the first output (0 when nothing was output)
 *   outputHash        outputDigest(...) of what was delivered (below)
 *
 * On the wire the receipt travels inside the `claw` billing object as `claw.receipt` (decimal strings
 * for every integer, 0x hex for hashes and the signature).
 */
import { bytesToHex, hashTypedData, type Address, type Hex } from "viem";
import type { PaymentDomain } from "./payment.ts";
import { keccak256Hex } from "./keccak.ts";
import { createReceiptHasher } from "./receipt-digest.ts";
import { recoverDigestSigner } from "./recover-signer.ts";

import { receiptTypes, type JobReceipt } from "./receipt-types.ts";

export { receiptTypes, type JobReceipt };

export type SignedReceipt = JobReceipt & { signature: Hex };

/** The JSON form (`claw.receipt`): integers as decimal strings. */
export type WireReceipt = {
  streamId: string; nonce: string; requestHash: Hex; jobId: string; model: string;
  meteredMs: string; cost: string; cumulativeCost: string; ttftMs: string; outputHash: Hex; signature: Hex;
};

/** The EIP-712 digest the provider signs. */
export function receiptDigest(domain: PaymentDomain, r: JobReceipt): Hex {
  return bytesToHex(hasherFor(domain)(r));
}

/**
 * The same digest by viem's general `hashTypedData` (~0.35 ms against ~0.03 ms): the reference
 * receipt-digest.test.ts holds the fast one to.
 */
export function receiptDigestByViem(domain: PaymentDomain, r: JobReceipt): Hex {
  return hashTypedData({ domain, types: receiptTypes, primaryType: "JobReceipt", message: r });
}

const hashers = new Map<string, (r: JobReceipt) => Uint8Array>();
const MAX_DOMAINS = 64;

/** One precomputed hasher per domain (a consumer talks to a handful of markets). */
function hasherFor(domain: PaymentDomain): (r: JobReceipt) => Uint8Array {
  const key = `${domain.name}|${domain.version}|${domain.chainId}|${domain.verifyingContract.toLowerCase()}`;
  let h = hashers.get(key);
  if (!h) {
    if (hashers.size >= MAX_DOMAINS) hashers.clear();
    h = createReceiptHasher(domain);
    hashers.set(key, h);
  }
  return h;
}

/** What was delivered, in one digest both sides can compute from what they sent / received. */
export type DeliveredOutput = {
  /** Concatenated text (chat content, inference text, transcription). */
  text?: string;
  /** Tool calls in delivery order: name and the whole arguments string. */
  toolCalls?: ReadonlyArray<{ name: string; arguments: string }>;
  /** Image bytes in delivery order. */
  images?: readonly Uint8Array[];
};

/**
 * keccak256 of the UTF-8 of `JSON.stringify([text, [[name, arguments]...], [keccak256(image)...]])`.
 * Pure.
 *
 * @example
 * outputDigest({ text: "hello" }) === outputDigest({ text: "hello", toolCalls: [], images: [] }) // true
 */
export function outputDigest(o: DeliveredOutput): Hex {
  // js-sha3 (core/keccak.ts): the same hash as viem's keccak256, a few times cheaper per paid answer.
  const canonical = JSON.stringify([o.text ?? "", (o.toolCalls ?? []).map((c) => [c.name, c.arguments]), (o.images ?? []).map((i) => keccak256Hex(i))]);
  return keccak256Hex(new TextEncoder().encode(canonical));
}

export function receiptToWire(r: SignedReceipt): WireReceipt {
  return {
    streamId: r.streamId.toString(), nonce: r.nonce.toString(), requestHash: r.requestHash, jobId: r.jobId, model: r.model,
    meteredMs: r.meteredMs.toString(), cost: r.cost.toString(), cumulativeCost: r.cumulativeCost.toString(), ttftMs: r.ttftMs.toString(),
    outputHash: r.outputHash, signature: r.signature,
  };
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const UINT = /^[0-9]{1,78}$/;

/** Parses a wire receipt; undefined when any field is missing or malformed (never throws). Pure. */
export function receiptFromWire(w: unknown): SignedReceipt | undefined {
  if (typeof w !== "object" || w === null) return undefined;
  const x = w as Record<string, unknown>;
  const uints = ["streamId", "nonce", "meteredMs", "cost", "cumulativeCost", "ttftMs"] as const;
  for (const k of uints) if (typeof x[k] !== "string" || !UINT.test(x[k] as string)) return undefined;
  if (typeof x.requestHash !== "string" || !HEX32.test(x.requestHash)) return undefined;
  if (typeof x.outputHash !== "string" || !HEX32.test(x.outputHash)) return undefined;
  if (typeof x.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(x.signature)) return undefined;
  if (typeof x.jobId !== "string" || x.jobId.length > 200 || typeof x.model !== "string" || x.model.length > 200) return undefined;
  const n = (k: (typeof uints)[number]) => BigInt(x[k] as string);
  if (n("meteredMs") >= 2n ** 64n || n("ttftMs") >= 2n ** 64n) return undefined;
  return {
    streamId: n("streamId"), nonce: n("nonce"), requestHash: x.requestHash as Hex, jobId: x.jobId, model: x.model,
    meteredMs: n("meteredMs"), cost: n("cost"), cumulativeCost: n("cumulativeCost"), ttftMs: n("ttftMs"),
    outputHash: x.outputHash as Hex, signature: x.signature as Hex,
  };
}

/**
 * The address that signed `r` (compare it with the stream's recipient). Throws on a signature that
 * recovers to nothing.
 *
 * @example
 * (await receiptSigner(domain, receipt)) === stream.recipient
 */
export async function receiptSigner(domain: PaymentDomain, r: SignedReceipt): Promise<Address> {
  return recoverDigestSigner(receiptDigest(domain, r), r.signature);
}
