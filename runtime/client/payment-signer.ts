/**
 * Makes the payment headers for paid requests (see runtime/core/payment.ts for the protocol).
 * `createSessionSigner` signs one EIP-712 authorization with the wallet, then signs each request
 * with a fresh in-memory Ed25519 key — the provider's cheap path. `createDirectSigner` signs every
 * request with the wallet (EIP-712 `Payment`).
 */
import type { Hex, LocalAccount } from "viem";
import { bodyHashOf, paymentHeaders as H, paymentTypes, sessionMessage, toBase64Url, type PaymentDomain } from "../core/payment.ts";
import { bytesToHex } from "viem";

export type PaymentSigner = {
  /** Headers proving payment for exactly this body. */
  headers(body: Uint8Array | string, opts?: { nonce?: bigint; deadline?: bigint }): Promise<Record<string, string>>;
};

type SignerOptions = { account: LocalAccount; domain: PaymentDomain; streamId: bigint; ttlSeconds?: number };

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

/**
 * @example
 * const signer = createDirectSigner({ account, domain, streamId: 1n });
 * await fetch(url, { method: "POST", body, headers: { ...(await signer.headers(body)), "content-type": "application/json" } });
 */
export function createDirectSigner(opts: SignerOptions): PaymentSigner {
  return {
    async headers(body, o = {}) {
      const nonce = o.nonce ?? randomNonce();
      const deadline = o.deadline ?? nowSeconds() + BigInt(opts.ttlSeconds ?? 120);
      const bodyHash = bodyHashOf(body);
      const signature = await opts.account.signTypedData({
        domain: opts.domain,
        types: paymentTypes,
        primaryType: "Payment",
        message: { streamId: opts.streamId, nonce, bodyHash, deadline },
      });
      return { ...baseHeaders(opts.streamId, nonce, deadline, bodyHash), [H.signature]: signature };
    },
  };
}

/**
 * @example
 * const signer = await createSessionSigner({ account, domain, streamId: 1n, ttlSeconds: 3600 });
 * const headers = await signer.headers(JSON.stringify(body));
 */
export async function createSessionSigner(opts: SignerOptions): Promise<PaymentSigner> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const expiresAt = nowSeconds() + BigInt(opts.ttlSeconds ?? 3600);
  const authorization = await opts.account.signTypedData({
    domain: opts.domain,
    types: paymentTypes,
    primaryType: "SessionKey",
    message: { streamId: opts.streamId, sessionKey: bytesToHex(publicKey), expiresAt },
  });
  const session = `${toBase64Url(publicKey)}.${expiresAt}.${authorization}`;
  return {
    async headers(body, o = {}) {
      const nonce = o.nonce ?? randomNonce();
      const deadline = o.deadline ?? nowSeconds() + 120n;
      const bodyHash = bodyHashOf(body);
      const message = sessionMessage(opts.domain, { streamId: opts.streamId, nonce, bodyHash, deadline });
      const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", pair.privateKey, message));
      return { ...baseHeaders(opts.streamId, nonce, deadline, bodyHash), [H.signature]: toBase64Url(signature), [H.session]: session };
    },
  };
}
