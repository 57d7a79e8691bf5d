/**
 * Makes the payment headers for paid requests (see runtime/core/payment.ts for the protocol, proof v2).
 * `createSessionSigner` signs one EIP-712 authorization with the wallet, then proves each request
 * with a fresh in-memory key — the provider's cheap path: an HMAC with a key agreed over X25519 when
 * the quote offers a key agreement vouched for by the recipient (session-mac.ts), an Ed25519
 * signature otherwise. `createDirectSigner` signs every
 * request with the wallet (EIP-712 `Payment`). Every proof names the route it is for (method and
 * path); `settle()` makes the distinct signed act that asks the provider to settle the stream now.
 */
import type { Address, Hex } from "viem";
import type { SigningAccount } from "../chain/client.ts";
import {
  bodyHashOf, isBindableTarget, paymentHeaders as H, paymentTypes, sessionMessage, sessionSettleMessage, settleBody, toBase64Url,
  type PaymentDomain,
} from "../core/payment.ts";
import { X25519_SESSION_TAG, type KeyAgreementOffer } from "../core/key-agreement.ts";
import { bytesToHex } from "viem";
import { macSession } from "./session-mac.ts";

/** The route a proof is for: `path` is what the client appends to the provider's base URL (path + query). */
export type ProofTarget = { path: string; method?: string; nonce?: bigint; deadline?: bigint };
type Fresh = { nonce?: bigint; deadline?: bigint };

export type PaymentSigner = {
  /** Headers proving payment for exactly this body at exactly this route. */
  headers(body: Uint8Array | string, target: ProofTarget): Promise<Record<string, string>>;
  /** The settle act for POST /v1/streams/:id/settle: its exact body and its headers (a fresh nonce). */
  settle(o?: Fresh): Promise<{ path: string; body: string; headers: Record<string, string> }>;
};

type SignerOptions = { account: SigningAccount; domain: PaymentDomain; streamId: bigint; ttlSeconds?: number };

/** A random 128-bit nonce: never reused in practice without any shared counter. */
export function randomNonce(): bigint {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return BigInt(bytesToHex(b));
}

function nowSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

function baseHeaders(streamId: bigint, nonce: bigint, deadline: bigint, bodyHash: Hex): Record<string, string> {
  return { [H.stream]: streamId.toString(), [H.nonce]: nonce.toString(), [H.deadline]: deadline.toString(), [H.bodyHash]: bodyHash };
}

/** The method and path to bind; refuses what the provider could not match (a programming error). */
function routeOf(t: ProofTarget | undefined): { method: string; path: string } {
  const method = (t?.method ?? "POST").toUpperCase();
  if (typeof t?.path !== "string" || !isBindableTarget(method, t.path)) {
    throw new TypeError(`A payment proof needs the request's path (e.g. "/v1/chat/completions"); got ${JSON.stringify(t?.path)}.`);
  }
  return { method, path: t.path };
}

type Signed = { nonce: bigint; deadline: bigint };
type Sign = {
  payment(m: { streamId: bigint; nonce: bigint; bodyHash: Hex; deadline: bigint; method: string; path: string }): Promise<Record<string, string>>;
  settle(m: { streamId: bigint; nonce: bigint; deadline: bigint }): Promise<Record<string, string>>;
};

function signer(opts: SignerOptions, ttl: bigint, sign: Sign): PaymentSigner {
  const fresh = (o: Fresh = {}): Signed => ({ nonce: o.nonce ?? randomNonce(), deadline: o.deadline ?? nowSeconds() + ttl });
  return {
    async headers(body, target) {
      const route = routeOf(target);
      const { nonce, deadline } = fresh(target);
      const bodyHash = bodyHashOf(body);
      const sig = await sign.payment({ streamId: opts.streamId, nonce, bodyHash, deadline, ...route });
      return { ...baseHeaders(opts.streamId, nonce, deadline, bodyHash), ...sig };
    },
    async settle(o) {
      const { nonce, deadline } = fresh(o);
      const body = settleBody(opts.streamId);
      const sig = await sign.settle({ streamId: opts.streamId, nonce, deadline });
      return { path: `/v1/streams/${opts.streamId}/settle`, body, headers: { ...baseHeaders(opts.streamId, nonce, deadline, bodyHashOf(body)), ...sig } };
    },
  };
}

/**
 * @example
 * const signer = createDirectSigner({ account, domain, streamId: 1n });
 * const headers = await signer.headers(body, { path: "/v1/inference" });
 * await fetch(url + "/v1/inference", { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
 */
export function createDirectSigner(opts: SignerOptions): PaymentSigner {
  const { account, domain } = opts;
  return signer(opts, BigInt(opts.ttlSeconds ?? 120), {
    payment: async (message) => ({ [H.signature]: await account.signTypedData({ domain, types: paymentTypes, primaryType: "Payment", message }) }),
    settle: async (message) => ({ [H.signature]: await account.signTypedData({ domain, types: paymentTypes, primaryType: "Settle", message }) }),
  });
}

/**
 * `keyAgreement` (the quote's `payment.keyAgreement`) and `recipient` (the stream's recipient, who
 * must have signed it): with both, a valid signature and X25519 in this WebCrypto, requests carry a
 * session MAC; otherwise an Ed25519 signature.
 */
type SessionOptions = SignerOptions & { keyAgreement?: KeyAgreementOffer | undefined; recipient?: Address | undefined };

/**
 * @example
 * const signer = await createSessionSigner({ account, domain, streamId: 1n, ttlSeconds: 3600, keyAgreement: quote.keyAgreement, recipient: quote.recipient });
 * const headers = await signer.headers(JSON.stringify(body), { path: "/v1/chat/completions" });
 */
export async function createSessionSigner(opts: SessionOptions): Promise<PaymentSigner> {
  const expiresAt = nowSeconds() + BigInt(opts.ttlSeconds ?? 3600);
  const authorize = (sessionKey: Hex) => opts.account.signTypedData({
    domain: opts.domain, types: paymentTypes, primaryType: "SessionKey", message: { streamId: opts.streamId, sessionKey, expiresAt },
  });
  const mac = await macSession(opts.keyAgreement, opts.recipient, opts.domain);
  if (mac) {
    const session = `${X25519_SESSION_TAG}.${toBase64Url(mac.publicKey)}.${expiresAt}.${await authorize(mac.sessionKey)}`;
    const macced = async (bytes: Uint8Array<ArrayBuffer>) => ({ [H.signature]: await mac.mac(bytes), [H.session]: session });
    return signer(opts, 120n, {
      payment: (m) => macced(sessionMessage(opts.domain, m)),
      settle: (m) => macced(sessionSettleMessage(opts.domain, m)),
    });
  }
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const session = `${toBase64Url(publicKey)}.${expiresAt}.${await authorize(bytesToHex(publicKey))}`;
  const ed25519 = async (bytes: Uint8Array<ArrayBuffer>) => ({
    [H.signature]: toBase64Url(new Uint8Array(await crypto.subtle.sign("Ed25519", pair.privateKey, bytes))),
    [H.session]: session,
  });
  // Per-request proofs live 120 s whatever the authorization's lifetime.
  return signer(opts, 120n, {
    payment: (m) => ed25519(sessionMessage(opts.domain, m)),
    settle: (m) => ed25519(sessionSettleMessage(opts.domain, m)),
  });
}
