/**
 * Checks that a payment proof was made by the stream's sender. Direct proofs cost one secp256k1
 * recovery each; session authorizations are recovered once per session and cached (with the session's
 * public key parsed once), after which each request costs one Ed25519 verification: node:crypto's
 * synchronous verify (~20 µs less CPU per request than WebCrypto and no thread-pool round trip), or
 * WebCrypto where node:crypto cannot take the key. An x25519 session's entry also holds its MAC key
 * (X25519 with the provider's agreement key + HKDF, once): each request is then one HMAC-SHA256.
 *
 * `verify` checks a payment (bound to body, method and path); `verifySettle` checks the distinct settle
 * act (EIP-712 `Settle` / the `claw-settle:` session message). A proof made for one never passes the other.
 */
import * as nodeCrypto from "node:crypto";
import { bytesToHex, recoverAddress, type Address, type Hex } from "viem";
import { ClawError } from "../../core/errors.ts";
import {
  paymentDigest, sessionKeyDigest, sessionMessage, sessionSettleMessage, settleDigest, toBase64Url, type PaymentDomain,
} from "../../core/payment.ts";
import { x25519SessionKey } from "../../core/key-agreement.ts";
import type { PaymentProof, SessionAuth } from "./parse-proof.ts";
import { sessionMacCheck, type AgreementKey } from "./session-mac.ts";

type Ed25519Check = (signature: Uint8Array<ArrayBuffer>, message: Uint8Array<ArrayBuffer>) => boolean | Promise<boolean>;
type CachedSession = { signer: Address; signerLower: string; verify: Ed25519Check; expiresAt: bigint; streamId: bigint };

/** One session key's verifier, built once per session. */
async function ed25519Check(publicKey: Uint8Array<ArrayBuffer>): Promise<Ed25519Check> {
  try {
    const key = nodeCrypto.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: toBase64Url(publicKey) }, format: "jwk" });
    return (signature, message) => nodeCrypto.verify(null, message, key, signature);
  } catch {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return (signature, message) => crypto.subtle.verify("Ed25519", key, signature, message);
  }
}

const MAX_CACHED_SESSIONS = 10_000;

export type ProofVerifier = {
  /** Resolves when the proof is the sender's; throws SIGNATURE_INVALID / SESSION_KEY_INVALID otherwise. */
  verify(proof: PaymentProof, bodyHash: Hex, sender: Address, nowSeconds: bigint): Promise<void>;
  /** The same for a settle request: the signature must be over the `Settle` act, not a payment. */
  verifySettle(proof: PaymentProof, sender: Address, nowSeconds: bigint): Promise<void>;
  /** How many session entries were built so far (one wallet recovery, and for x25519 one key agreement, each). */
  readonly sessionsBuilt: number;
};

/**
 * `keyAgreement`: the provider's X25519 key (session-mac.ts); without it x25519 sessions are refused.
 *
 * @example
 * const verifier = createProofVerifier(paymentDomain(31337, streamPay), { keyAgreement });
 * await verifier.verify(proof, bodyHashOf(body), stream.sender, nowSeconds);
 */
export function createProofVerifier(domain: PaymentDomain, o: { keyAgreement?: AgreementKey } = {}): ProofVerifier {
  const sessions = new Map<string, CachedSession>();
  let built = 0;

  async function authorize(auth: SessionAuth, streamId: bigint): Promise<CachedSession> {
    const hit = sessions.get(auth.raw);
    if (hit && hit.streamId === streamId) return hit;
    const agreement = o.keyAgreement;
    if (auth.kind === "x25519" && !agreement) {
      throw new ClawError("SESSION_KEY_INVALID", { message: "This provider offers no key agreement (no payment.keyAgreement in its quote): use an Ed25519 session key." });
    }
    const sessionKey = auth.kind === "x25519" ? x25519SessionKey(auth.publicKey) : bytesToHex(auth.publicKey);
    let signer: Address;
    try {
      signer = await recoverAddress({ hash: sessionKeyDigest(domain, { streamId, sessionKey, expiresAt: auth.expiresAt }), signature: auth.signature });
    } catch (cause) {
      throw new ClawError("SESSION_KEY_INVALID", { message: "The session key authorization signature cannot be recovered.", cause });
    }
    const verify = agreement && auth.kind === "x25519" ? sessionMacCheck(agreement, auth.publicKey) : await ed25519Check(auth.publicKey);
    const entry = { signer, signerLower: signer.toLowerCase(), verify, expiresAt: auth.expiresAt, streamId };
    built++;
    if (sessions.size >= MAX_CACHED_SESSIONS) sessions.delete(sessions.keys().next().value as string);
    sessions.set(auth.raw, entry);
    return entry;
  }

  /** Checks a proof whose direct digest and session bytes the caller computed. */
  async function check(proof: PaymentProof, sender: Address, nowSeconds: bigint, digest: () => Hex, bytes: () => Uint8Array<ArrayBuffer>): Promise<void> {
    if (proof.mode === "direct") {
      let signer: Address;
      try {
        signer = await recoverAddress({ hash: digest(), signature: proof.signature });
      } catch (cause) {
        throw new ClawError("SIGNATURE_INVALID", { message: "The payment signature cannot be recovered.", cause });
      }
      if (signer.toLowerCase() !== sender.toLowerCase()) {
        throw new ClawError("SIGNATURE_INVALID", { message: `The payment is signed by ${signer}, not by the stream's sender ${sender}.` });
      }
      return;
    }
    // A known session is checked without a turn of the event loop: only a new one is recovered (async).
    const hit = sessions.get(proof.session.raw);
    const session = hit && hit.streamId === proof.streamId ? hit : await authorize(proof.session, proof.streamId);
    if (session.signerLower !== sender.toLowerCase()) {
      throw new ClawError("SESSION_KEY_INVALID", {
        message: `The session key ${toBase64Url(proof.session.publicKey)} is authorized by ${session.signer}, not by the stream's sender ${sender}.`,
      });
    }
    if (session.expiresAt <= nowSeconds) {
      throw new ClawError("SESSION_KEY_INVALID", { message: `The session key authorization expired at ${session.expiresAt} (unix seconds).` });
    }
    const checked = session.verify(proof.signature, bytes());
    const ok = typeof checked === "boolean" ? checked : await checked;
    if (!ok) {
      const what = proof.session.kind === "x25519" ? "The session MAC over this request does not verify (another request, or another provider's agreement key)." : "The session key's signature over this request does not verify.";
      throw new ClawError("SIGNATURE_INVALID", { message: what });
    }
  }

  return {
    get sessionsBuilt() {
      return built;
    },
    verify(proof, bodyHash, sender, nowSeconds) {
      const m = { streamId: proof.streamId, nonce: proof.nonce, bodyHash, deadline: proof.deadline, method: proof.method, path: proof.path };
      return check(proof, sender, nowSeconds, () => paymentDigest(domain, m), () => sessionMessage(domain, m));
    },
    verifySettle(proof, sender, nowSeconds) {
      const m = { streamId: proof.streamId, nonce: proof.nonce, deadline: proof.deadline };
      return check(proof, sender, nowSeconds, () => settleDigest(domain, m), () => sessionSettleMessage(domain, m));
    },
  };
}
