/**
 * The part of the payment guard that needs no offering: the proof is well formed and unexpired,
 * the raw body is the signed one, the stream exists on chain and the signature is its sender's.
 * Multipart bodies pass this over their raw bytes before anything parses them (body-parsers.ts): the
 * route learns the offering only from the parsed form, and parsing is what an anonymous client must
 * not be able to make the runtime do. The guard (admit.ts) then runs in full as for every request.
 */
import type { Address } from "viem";
import { ClawError } from "../../core/errors.ts";
import { bodyHashOf } from "../../core/payment.ts";
import type { StreamSource } from "./admit.ts";
import { parsePaymentProof, type RequestTarget } from "./parse-proof.ts";
import type { ProofVerifier } from "./verify-proof.ts";

export type SenderCheck = (headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array, target: RequestTarget) => Promise<void>;

/**
 * @example
 * const check = createSenderCheck({ wallet, streams, verifier });
 * await check(request.headers, rawBody, { method: "POST", path: "/v1/audio/transcriptions" });
 */
export function createSenderCheck(deps: { wallet: Address; streams: StreamSource; verifier: ProofVerifier; nowMs?: () => number }): SenderCheck {
  return async (headers, rawBody, target) => {
    const proof = parsePaymentProof(headers, target);
    const nowSeconds = BigInt(Math.floor((deps.nowMs ?? Date.now)() / 1000));
    if (proof.deadline < nowSeconds) throw new ClawError("DEADLINE_EXPIRED", { message: `The proof's deadline ${proof.deadline} is before now (${nowSeconds}).` });
    const bodyHash = bodyHashOf(rawBody);
    if (proof.claimedBodyHash !== undefined && proof.claimedBodyHash !== bodyHash) {
      throw new ClawError("BODY_HASH_MISMATCH", { message: `The body hashes to ${bodyHash}, not to the signed ${proof.claimedBodyHash}.` });
    }
    const stream = await deps.streams.get(proof.streamId);
    if (!stream) throw new ClawError("STREAM_NOT_FOUND", { message: "The payment stream does not exist on chain." });
    if (stream.recipient.toLowerCase() !== deps.wallet.toLowerCase()) {
      throw new ClawError("STREAM_WRONG_RECIPIENT", { message: `Stream ${proof.streamId} pays another provider.` });
    }
    await deps.verifier.verify(proof, bodyHash, stream.sender, nowSeconds);
  };
}
