/**
 * The provider's side of X25519 sessions (protocol in core/payment.ts): its static agreement key,
 * derived from the wallet key so that every instance of one provider holds the same one, the signed
 * offer GET /v1/quote publishes, and per session the HMAC-SHA256 check of each request (node:crypto,
 * synchronous: ~2 µs against ~100 µs for an Ed25519 verification).
 */
import * as nodeCrypto from "node:crypto";
import { Buffer } from "node:buffer";
import type { Hex } from "viem";
import { signMessage } from "viem/accounts";
import { ClawError } from "../../core/errors.ts";
import {
  AGREEMENT_KEY_INFO, agreementKeySalt, keyAgreementMessage, sessionMacInfo, sessionMacSalt, type KeyAgreementOffer,
} from "../../core/key-agreement.ts";
import { toBase64Url, type PaymentDomain } from "../../core/payment.ts";

/** The provider's X25519 key pair (private half never leaves the process). */
export type AgreementKey = { privateKey: nodeCrypto.KeyObject; publicKey: Uint8Array<ArrayBuffer> };

/** PKCS#8 DER prefix of a raw 32-byte X25519 private key (RFC 8410). */
const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/**
 * HKDF-SHA256(wallet key, salt = chain id and StreamPay, info "claw-session-agreement-v1") as an
 * X25519 private key. Deterministic: scale-out instances of one provider agree without talking.
 *
 * @example
 * const key = deriveAgreementKey(walletKey, paymentDomain(31337, streamPay)); // key.publicKey: 32 bytes
 */
export function deriveAgreementKey(walletKey: Hex, domain: PaymentDomain): AgreementKey {
  const seed = nodeCrypto.hkdfSync("sha256", Buffer.from(walletKey.slice(2), "hex"), agreementKeySalt(domain), AGREEMENT_KEY_INFO, 32);
  const privateKey = nodeCrypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, Buffer.from(seed)]), format: "der", type: "pkcs8" });
  const x = nodeCrypto.createPublicKey(privateKey).export({ format: "jwk" }).x!;
  return { privateKey, publicKey: new Uint8Array(Buffer.from(x, "base64url")) };
}

/** The agreement key and its offer signed by the wallet (EIP-191), once at start. */
export async function providerKeyAgreement(walletKey: Hex, domain: PaymentDomain): Promise<{ key: AgreementKey; offer: KeyAgreementOffer }> {
  const key = deriveAgreementKey(walletKey, domain);
  const x25519 = toBase64Url(key.publicKey);
  return { key, offer: { x25519, signature: await signMessage({ message: keyAgreementMessage(domain, x25519), privateKey: walletKey }) } };
}

/**
 * The session's MAC key K = HKDF-SHA256(X25519(provider, consumer), salt = consumer ‖ provider public
 * keys, info "claw-session-mac-v2") and the constant-time check of one request's 32-byte MAC.
 * A consumer key that yields no usable secret (a low-order point) is SESSION_KEY_INVALID.
 */
export function sessionMacCheck(agreement: AgreementKey, consumer: Uint8Array<ArrayBuffer>): (mac: Uint8Array, message: Uint8Array) => boolean {
  let shared: Buffer;
  try {
    const publicKey = nodeCrypto.createPublicKey({ key: { kty: "OKP", crv: "X25519", x: toBase64Url(consumer) }, format: "jwk" });
    shared = nodeCrypto.diffieHellman({ privateKey: agreement.privateKey, publicKey });
  } catch (cause) {
    throw new ClawError("SESSION_KEY_INVALID", { message: "The session's X25519 public key cannot be used for key agreement.", cause });
  }
  if (shared.every((b) => b === 0)) {
    throw new ClawError("SESSION_KEY_INVALID", { message: "The session's X25519 public key is a low-order point (no shared secret)." });
  }
  const k = Buffer.from(nodeCrypto.hkdfSync("sha256", shared, sessionMacSalt(consumer, agreement.publicKey), sessionMacInfo(), 32));
  return (mac, message) => mac.length === 32 && nodeCrypto.timingSafeEqual(nodeCrypto.createHmac("sha256", k).update(message).digest(), mac);
}
