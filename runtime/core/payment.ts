/**
 * The payment proof a client attaches to every paid request, shared by the runtime's guard and the
 * consumer SDK. Proof version 2. Two ways to sign, both bound to (chain id, StreamPay address, stream
 * id, nonce, body hash, deadline, HTTP method, request path): a proof signed for one route is void on
 * every other (v1 did not bind the route).
 *
 * Settling a stream early (POST /v1/streams/:id/settle) is a distinct signed act: EIP-712 `Settle`
 * (direct) or the `claw-settle:v2:` session message, over (stream id, nonce, deadline), with its nonce
 * in the same per-stream replay space as payments. A payment proof can never pass as a settle proof
 * and vice versa (different type hash / different message prefix).
 *
 * 1. Direct: the stream's sender signs an EIP-712 `Payment` per request (simple; costs the provider a
 *    ~2 ms secp256k1 recovery per request).
 * 2. Session key: the sender signs once per stream an EIP-712 `SessionKey` authorizing a key until
 *    `expiresAt`; each request is then proven with that key over `sessionMessage(...)` (the settle act
 *    over `sessionSettleMessage(...)`). The provider recovers the authorization once per session. Two kinds:
 *    a. Ed25519: `sessionKey` = the raw 32-byte public key; each request is signed (~0.1–0.25 ms to verify).
 *    b. X25519 (the SDK's choice when the quote offers it; core/key-agreement.ts): the provider derives a
 *       static X25519 key from its wallet key (HKDF-SHA256, info "claw-session-agreement-v1", salt
 *       binding chain id and StreamPay) and publishes it with its wallet's EIP-191 signature of
 *       `claw-key-agreement:v2:<chainId>:<streamPay lower>:<b64url key>` in the quote
 *       (`payment.keyAgreement`). A client that finds that signature by the stream's recipient, and has
 *       X25519 in WebCrypto, makes a fresh X25519 pair; `sessionKey` = keccak256("claw-x25519:" ‖ pub)
 *       (an Ed25519 authorization never passes as an X25519 one, nor the reverse); both sides derive
 *       K = HKDF-SHA256(X25519 shared secret, salt = consumer pub ‖ provider pub, info "claw-session-mac-v2");
 *       each request carries base64url(HMAC-SHA256(K, message)): ~2 µs to check. K never travels, so
 *       an eavesdropper on plain HTTP learns nothing usable; the provider holds K too, so a MAC is not
 *       evidence against the consumer towards the provider (billing never relied on that: the provider
 *       meters, the consumer's defence is the signed job receipts). Anything else: kind a.
 *
 * Headers (names are lower-case on the wire, case-insensitive in HTTP):
 *   x-claw-stream     stream id (decimal)
 *   x-claw-nonce      decimal uint256, never reused on a stream (random 64+ bits recommended)
 *   x-claw-deadline   unix seconds after which the proof is void
 *   x-claw-body-hash  optional 0x keccak256 of the exact body bytes (lets the provider say
 *                     BODY_HASH_MISMATCH instead of SIGNATURE_INVALID)
 *   x-claw-signature  0x 65-byte EIP-712 signature (direct) | base64url 64-byte Ed25519 signature (session)
 *                     | base64url 32-byte HMAC-SHA256 (x25519 session)
 *   x-claw-session    base64url(pubkey).expiresAt.0x-eip712-signature (session mode only), prefixed
 *                     `x25519.` for an x25519 session
 */
import { hashTypedData, type Address, type Hex } from "viem";
import { keccak256Hex } from "./keccak.ts";

export const paymentHeaders = {
  stream: "x-claw-stream",
  nonce: "x-claw-nonce",
  deadline: "x-claw-deadline",
  bodyHash: "x-claw-body-hash",
  signature: "x-claw-signature",
  session: "x-claw-session",
} as const;

export const paymentTypes = {
  Payment: [
    { name: "streamId", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "bodyHash", type: "bytes32" },
    { name: "deadline", type: "uint64" },
    { name: "method", type: "string" },
    { name: "path", type: "string" },
  ],
  Settle: [
    { name: "streamId", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
  SessionKey: [
    { name: "streamId", type: "uint256" },
    { name: "sessionKey", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
  ],
} as const;

/** The proof version: the EIP-712 domain version and the `v2` of the session messages. */
export const PROOF_VERSION = "2";

export type PaymentDomain = { name: "ClawCompute"; version: typeof PROOF_VERSION; chainId: number; verifyingContract: Address };

/** The EIP-712 domain: bound to the chain and the StreamPay contract. */
export function paymentDomain(chainId: number, streamPay: Address): PaymentDomain {
  return { name: "ClawCompute", version: PROOF_VERSION, chainId, verifyingContract: streamPay };
}

/**
 * `method` is the upper-case HTTP method; `path` the request target as the runtime's router sees it
 * (path and query, e.g. `/v1/chat/completions`), i.e. the path the client appends to the provider's
 * base URL — a reverse proxy's prefix is not part of it.
 */
export type PaymentMessage = { streamId: bigint; nonce: bigint; bodyHash: Hex; deadline: bigint; method: string; path: string };
export type SettleMessage = { streamId: bigint; nonce: bigint; deadline: bigint };

/** The longest request path a proof can bind (longer targets are refused before any crypto). */
export const MAX_PROOF_PATH = 2048;

/** True when `method` and `path` can be bound into a proof unambiguously. */
export function isBindableTarget(method: string, path: string): boolean {
  return /^[A-Z]{1,16}$/.test(method) && path.length <= MAX_PROOF_PATH && /^\/[\x21-\x7e]*$/.test(path);
}
export type SessionKeyMessage = { streamId: bigint; sessionKey: Hex; expiresAt: bigint };

/** keccak256 of the exact request body bytes (js-sha3: a few times cheaper than viem's here, same hash). */
export function bodyHashOf(body: Uint8Array | string): Hex {
  return keccak256Hex(typeof body === "string" ? new TextEncoder().encode(body) : body);
}

/** The EIP-712 digest of a direct payment proof. */
export function paymentDigest(domain: PaymentDomain, message: PaymentMessage): Hex {
  return hashTypedData({ domain, types: paymentTypes, primaryType: "Payment", message });
}

/** The EIP-712 digest of a direct settle request. */
export function settleDigest(domain: PaymentDomain, message: SettleMessage): Hex {
  return hashTypedData({ domain, types: paymentTypes, primaryType: "Settle", message });
}

/** The exact body of a settle request: nothing else is accepted there. */
export function settleBody(streamId: bigint): string {
  return JSON.stringify({ streamId: streamId.toString() });
}

/** The EIP-712 digest of a session-key authorization. */
export function sessionKeyDigest(domain: PaymentDomain, message: SessionKeyMessage): Hex {
  return hashTypedData({ domain, types: paymentTypes, primaryType: "SessionKey", message });
}

/**
 * The bytes a session key signs (Ed25519) or MACs (x25519) per request. Carries the whole domain so that a proof for
 * one chain or contract is void on another. The path comes last: every field before it is free of
 * `:`, so the text parses one way only.
 *
 * @example
 * const bytes = sessionMessage(domain, { streamId: 1n, nonce: 7n, bodyHash, deadline: 1700000000n, method: "POST", path: "/v1/inference" });
 */
export function sessionMessage(domain: PaymentDomain, m: PaymentMessage): Uint8Array<ArrayBuffer> {
  const text = `claw-pay:v${PROOF_VERSION}:${domain.chainId}:${domain.verifyingContract.toLowerCase()}:${m.streamId}:${m.nonce}:` +
    `${m.bodyHash.toLowerCase()}:${m.deadline}:${m.method}:${m.path}`;
  return new TextEncoder().encode(text);
}

/** The bytes a session key signs to ask for settlement (a distinct prefix: never a payment message). */
export function sessionSettleMessage(domain: PaymentDomain, m: SettleMessage): Uint8Array<ArrayBuffer> {
  const text = `claw-settle:v${PROOF_VERSION}:${domain.chainId}:${domain.verifyingContract.toLowerCase()}:${m.streamId}:${m.nonce}:${m.deadline}`;
  return new TextEncoder().encode(text);
}

export function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
