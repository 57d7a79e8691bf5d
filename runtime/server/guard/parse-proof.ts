/**
 * Reads the payment headers of a request into a typed proof, or throws the 401/402 that names what
 * is missing or malformed. No cryptography here: see verify-proof.ts.
 */
import { Buffer } from "node:buffer";
import type { Hex } from "viem";
import { ClawError } from "../../core/errors.ts";
import { X25519_SESSION_TAG } from "../../core/key-agreement.ts";
import { fromBase64Url, isBindableTarget, MAX_PROOF_PATH, paymentHeaders as H } from "../../core/payment.ts";

/** `kind`: "ed25519" (each request signed) or "x25519" (each request MACed with the agreed session key). */
export type SessionAuth = { raw: string; kind: "ed25519" | "x25519"; publicKey: Uint8Array<ArrayBuffer>; expiresAt: bigint; signature: Hex };

/** The route a proof is presented at: the runtime's own method and path (path + query), never a header. */
export type RequestTarget = { method: string; path: string };

export type PaymentProof = {
  streamId: bigint;
  nonce: bigint;
  deadline: bigint;
  claimedBodyHash: Hex | undefined;
  method: string;
  path: string;
} & ({ mode: "direct"; signature: Hex } | { mode: "session"; signature: Uint8Array<ArrayBuffer>; session: SessionAuth });

type Headers = Record<string, string | string[] | undefined>;

const UINT256_MAX = (1n << 256n) - 1n;
const decimal = /^\d{1,78}$/;

function one(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function uint(name: string, text: string, max = UINT256_MAX): bigint {
  if (!decimal.test(text)) throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${name} must be a decimal integer.` });
  const v = BigInt(text);
  if (v > max) throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${name} is out of range.` });
  return v;
}

/** An Ed25519 signature (64 bytes) or a session MAC (32 bytes) as the SDK sends it: base64url without padding. */
const SIGNATURE_B64URL = /^(?:[A-Za-z0-9_-]{86}|[A-Za-z0-9_-]{43})$/;

/**
 * base64url → bytes. The SDK's form (unpadded, alphabet only) is decoded natively; anything else
 * goes through fromBase64Url (atob: padding, whitespace and errors exactly as before).
 */
function decodeSignature(text: string): Uint8Array<ArrayBuffer> {
  if (SIGNATURE_B64URL.test(text)) return new Uint8Array(Buffer.from(text, "base64url"));
  return fromBase64Url(text);
}

/** Parsed session headers by their text: a session's requests all carry the same one. */
const sessionCache = new Map<string, SessionAuth>();
const MAX_CACHED_SESSIONS = 1024;

/** A session header parsed once per distinct text (entries are never handed out for mutation: verify-proof only reads them). */
function cachedSession(raw: string): SessionAuth {
  const hit = sessionCache.get(raw);
  if (hit) return hit;
  const parsed = parseSession(raw);
  if (sessionCache.size >= MAX_CACHED_SESSIONS) sessionCache.delete(sessionCache.keys().next().value as string);
  sessionCache.set(raw, parsed);
  return parsed;
}

function parseSession(raw: string): SessionAuth {
  const parts = raw.split(".");
  const kind = parts.length === 4 && parts[0] === X25519_SESSION_TAG ? "x25519" : "ed25519";
  const [key, expires, sig, extra] = kind === "x25519" ? parts.slice(1) : parts;
  if (!key || !expires || !sig || extra !== undefined || !/^0x[0-9a-fA-F]{130}$/.test(sig)) {
    throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${H.session} must be base64url(key).expiresAt.0x-signature (prefixed by "${X25519_SESSION_TAG}." for a MAC session).` });
  }
  let publicKey: Uint8Array<ArrayBuffer>;
  try {
    publicKey = fromBase64Url(key);
  } catch {
    publicKey = new Uint8Array();
  }
  if (publicKey.length !== 32) throw new ClawError("SIGNATURE_MALFORMED", { message: `The session key must be a 32-byte ${kind === "x25519" ? "X25519" : "Ed25519"} public key.` });
  return { raw, kind, publicKey, expiresAt: uint(H.session, expires, (1n << 64n) - 1n), signature: sig as Hex };
}

/**
 * @example
 * const proof = parsePaymentProof(request.headers, { method: request.method, path: request.url }); // PAYMENT_REQUIRED without x-claw-stream
 */
export function parsePaymentProof(headers: Headers, target: RequestTarget): PaymentProof {
  const stream = one(headers, H.stream);
  if (stream === undefined) throw new ClawError("PAYMENT_REQUIRED", { message: `This request needs a payment stream: send ${H.stream} and a signature.` });
  const signature = one(headers, H.signature);
  if (!signature) throw new ClawError("SIGNATURE_MISSING", { message: `Header ${H.signature} is missing.` });
  const nonceText = one(headers, H.nonce);
  const deadlineText = one(headers, H.deadline);
  if (nonceText === undefined) throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${H.nonce} is missing.` });
  if (deadlineText === undefined) throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${H.deadline} is missing.` });
  const bodyHash = one(headers, H.bodyHash);
  if (bodyHash !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(bodyHash)) {
    throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${H.bodyHash} must be a 0x-prefixed 32-byte hex hash.` });
  }
  if (!isBindableTarget(target.method, target.path)) {
    throw new ClawError("BAD_REQUEST", { message: `The request target must be an upper-case method and a path of at most ${MAX_PROOF_PATH} printable characters.` });
  }
  const base = {
    method: target.method,
    path: target.path,
    streamId: uint(H.stream, stream),
    nonce: uint(H.nonce, nonceText),
    deadline: uint(H.deadline, deadlineText, (1n << 64n) - 1n),
    claimedBodyHash: bodyHash?.toLowerCase() as Hex | undefined,
  };
  const session = one(headers, H.session);
  if (session === undefined) {
    if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${H.signature} must be a 65-byte 0x hex signature.` });
    return { ...base, mode: "direct", signature: signature as Hex };
  }
  const auth = cachedSession(session);
  let sig: Uint8Array<ArrayBuffer>;
  try {
    sig = decodeSignature(signature);
  } catch {
    sig = new Uint8Array();
  }
  if (auth.kind === "x25519" && sig.length !== 32) throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${H.signature} must be a base64url 32-byte HMAC-SHA256 in an x25519 session.` });
  if (auth.kind === "ed25519" && sig.length !== 64) throw new ClawError("SIGNATURE_MALFORMED", { message: `Header ${H.signature} must be a base64url 64-byte Ed25519 signature in session mode.` });
  return { ...base, mode: "session", signature: sig, session: auth };
}
