/**
 * The names and byte layouts of the per-session MAC proof ("x25519" sessions; protocol in payment.ts),
 * shared by the provider (derives and signs its agreement key, checks MACs) and the client (agrees on
 * a session key, makes MACs). Pure and web-standard: no node:crypto here, the client runs in browsers.
 */
import type { Hex } from "viem";
import { keccak256Hex } from "./keccak.ts";
import { PROOF_VERSION, type PaymentDomain } from "./payment.ts";

/** What GET /v1/quote publishes under `payment.keyAgreement`: the provider's X25519 public key and its wallet's signature of it. */
export type KeyAgreementOffer = { x25519: string; signature: Hex };

/** HKDF info of the provider's static X25519 key (derived from its wallet key: same key on every instance). */
export const AGREEMENT_KEY_INFO = "claw-session-agreement-v1";
/** HKDF info of a session's MAC key. */
export const SESSION_MAC_INFO = `claw-session-mac-v${PROOF_VERSION}`;
/** The first field of an x25519 session header: `x25519.<b64url pub>.<expiresAt>.<0x authorization>`. */
export const X25519_SESSION_TAG = "x25519";

const utf8 = (s: string) => new TextEncoder().encode(s);

/** One chain and StreamPay, as the agreement key's salt and its signed offer both name them. */
const agreementScope = (domain: PaymentDomain) => `claw-key-agreement:v${PROOF_VERSION}:${domain.chainId}:${domain.verifyingContract.toLowerCase()}`;

/** The text the provider's wallet signs (EIP-191) to vouch for its agreement key on one chain and StreamPay. */
export function keyAgreementMessage(domain: PaymentDomain, x25519: string): string {
  return `${agreementScope(domain)}:${x25519}`;
}

/** HKDF salt of the provider's agreement key: a provider's key differs per chain and StreamPay. */
export function agreementKeySalt(domain: PaymentDomain): Uint8Array<ArrayBuffer> {
  return utf8(agreementScope(domain));
}

/**
 * The `sessionKey` the wallet authorizes (EIP-712 `SessionKey`) for an X25519 session: keccak256 of
 * "claw-x25519:" ‖ the consumer's public key. An Ed25519 session authorizes the raw key bytes instead,
 * so an authorization of one kind never passes as the other.
 *
 * @example
 * x25519SessionKey(publicKey) // 0x… (32 bytes), never equal to bytesToHex(publicKey)
 */
export function x25519SessionKey(publicKey: Uint8Array): Hex {
  const tag = utf8("claw-x25519:");
  const bytes = new Uint8Array(tag.length + publicKey.length);
  bytes.set(tag);
  bytes.set(publicKey, tag.length);
  return keccak256Hex(bytes);
}

/** HKDF salt of a session's MAC key: the consumer's then the provider's X25519 public key (64 bytes). */
export function sessionMacSalt(consumer: Uint8Array, provider: Uint8Array): Uint8Array<ArrayBuffer> {
  const salt = new Uint8Array(consumer.length + provider.length);
  salt.set(consumer);
  salt.set(provider, consumer.length);
  return salt;
}

/** The HKDF info bytes of a session's MAC key. */
export const sessionMacInfo = (): Uint8Array<ArrayBuffer> => utf8(SESSION_MAC_INFO);
