/**
 * The consumer's side of an X25519 session (protocol in core/payment.ts), WebCrypto only (Node,
 * Deno, browsers): checks that the provider's agreement key is vouched for by the stream's recipient,
 * agrees on the session's MAC key, and MACs each request. `undefined` whenever that cannot be done
 * safely (no offer, a signature by anyone else, a malformed key, no X25519 here): the caller then
 * uses an Ed25519 session key, which every provider accepts.
 */
import { hashMessage, isAddressEqual, type Address, type Hex } from "viem";
import { recoverDigestSigner } from "../core/recover-signer.ts";
import { keyAgreementMessage, sessionMacInfo, sessionMacSalt, x25519SessionKey, type KeyAgreementOffer } from "../core/key-agreement.ts";
import { fromBase64Url, toBase64Url, type PaymentDomain } from "../core/payment.ts";

export type MacSession = {
  /** The consumer's X25519 public key (32 bytes). */
  publicKey: Uint8Array<ArrayBuffer>;
  /** The `sessionKey` the wallet authorizes: keccak256("claw-x25519:" ‖ publicKey). */
  sessionKey: `0x${string}`;
  /** base64url(HMAC-SHA256(K, bytes)): 43 characters. */
  mac(bytes: Uint8Array<ArrayBuffer>): Promise<string>;
};

/** True when `offer` is a well-formed agreement key signed by `recipient` for this domain. */
async function vouched(offer: KeyAgreementOffer, recipient: Address, domain: PaymentDomain): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (typeof offer?.x25519 !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(offer.x25519)) return undefined;
  if (typeof offer.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(offer.signature)) return undefined;
  try {
    // EIP-191, as viem's verifyMessage, recovered by the addon where it loads (~0.06 against ~2 ms per session).
    const signer = await recoverDigestSigner(hashMessage(keyAgreementMessage(domain, offer.x25519)), offer.signature as Hex);
    return isAddressEqual(signer, recipient) ? fromBase64Url(offer.x25519) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const mac = await macSession(quote.keyAgreement, quote.recipient, domain); // undefined → use Ed25519
 */
export async function macSession(offer: KeyAgreementOffer | undefined, recipient: Address | undefined, domain: PaymentDomain): Promise<MacSession | undefined> {
  if (!offer || !recipient) return undefined;
  const provider = await vouched(offer, recipient, domain);
  if (!provider) return undefined;
  try {
    const subtle = crypto.subtle;
    const pair = (await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"])) as CryptoKeyPair;
    const publicKey = new Uint8Array(await subtle.exportKey("raw", pair.publicKey));
    const providerKey = await subtle.importKey("raw", provider, { name: "X25519" }, false, []);
    const shared = await subtle.deriveBits({ name: "X25519", public: providerKey } as EcdhKeyDeriveParams, pair.privateKey, 256);
    const ikm = await subtle.importKey("raw", shared, "HKDF", false, ["deriveBits"]);
    const k = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: sessionMacSalt(publicKey, provider), info: sessionMacInfo() }, ikm, 256);
    const key = await subtle.importKey("raw", k, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return {
      publicKey,
      sessionKey: x25519SessionKey(publicKey),
      mac: async (bytes) => toBase64Url(new Uint8Array(await subtle.sign("HMAC", key, bytes))),
    };
  } catch {
    // No X25519 in this WebCrypto (or a key it refuses): the Ed25519 session works everywhere.
    return undefined;
  }
}
