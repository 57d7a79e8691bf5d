/**
 * X25519 sessions (a MAC per request): the provider's agreement key, the client's refusal of an offer
 * not vouched for by the recipient, and every way a MAC proof can be wrong. verify-proof.test.ts runs
 * its shared checks (stranger, other chain, moved route, settle confusion) over this kind too.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { recoverMessageAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { isClawError, type ErrorCode } from "../../core/errors.ts";
import { keyAgreementMessage, x25519SessionKey } from "../../core/key-agreement.ts";
import { bodyHashOf, paymentDomain, paymentTypes, toBase64Url } from "../../core/payment.ts";
import { createSessionSigner } from "../../client/payment-signer.ts";
import { parsePaymentProof, type RequestTarget } from "./parse-proof.ts";
import { deriveAgreementKey, providerKeyAgreement, type AgreementKey } from "./session-mac.ts";
import { createProofVerifier } from "./verify-proof.ts";

const streamPay = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = paymentDomain(31337, streamPay);
const sender = privateKeyToAccount(generatePrivateKey());
const providerWallet = generatePrivateKey();
const recipient = privateKeyToAccount(providerWallet).address;
const provider = await providerKeyAgreement(providerWallet, domain);
const now = BigInt(Math.floor(Date.now() / 1000));
const body = JSON.stringify({ model: "echo-1", prompt: "hi" });
const route: RequestTarget = { method: "POST", path: "/v1/inference" };

const macSigner = (o: { account?: typeof sender; ttlSeconds?: number; offer?: typeof provider.offer; streamId?: bigint } = {}) =>
  createSessionSigner({ account: o.account ?? sender, domain, streamId: o.streamId ?? 7n, keyAgreement: o.offer ?? provider.offer, recipient, ...(o.ttlSeconds !== undefined ? { ttlSeconds: o.ttlSeconds } : {}) });

type CheckOpts = { keyAgreement?: AgreementKey | null; verifier?: ReturnType<typeof createProofVerifier>; body?: string; at?: RequestTarget };
async function check(headers: Record<string, string>, o: CheckOpts = {}) {
  const v = o.verifier ?? createProofVerifier(domain, o.keyAgreement === null ? {} : { keyAgreement: o.keyAgreement ?? provider.key });
  await v.verify(parsePaymentProof(headers, o.at ?? route), bodyHashOf(o.body ?? body), sender.address, now);
}
const code = (c: ErrorCode) => (e: unknown) => isClawError(e, c);

describe("the provider's agreement key", () => {
  test("is the same on every instance of one provider, differs per chain, and its offer is signed by the wallet", async () => {
    const again = deriveAgreementKey(providerWallet, domain);
    assert.deepEqual(again.publicKey, provider.key.publicKey, "scale-out instances derive the same key");
    assert.notDeepEqual(deriveAgreementKey(providerWallet, paymentDomain(97, streamPay)).publicKey, provider.key.publicKey);
    assert.notDeepEqual(deriveAgreementKey(generatePrivateKey(), domain).publicKey, provider.key.publicKey);
    assert.equal(provider.offer.x25519, toBase64Url(provider.key.publicKey));
    const by = await recoverMessageAddress({ message: keyAgreementMessage(domain, provider.offer.x25519), signature: provider.offer.signature });
    assert.equal(by, recipient);
  });
});

describe("scale-out", () => {
  test("a session agreed from one instance's quote verifies on every instance of the provider (each derives the key on its own)", async () => {
    const instances = [0, 1].map(() => createProofVerifier(domain, { keyAgreement: deriveAgreementKey(providerWallet, domain) }));
    const s = await macSigner();
    for (const v of instances) await check(await s.headers(body, route), { verifier: v });
  });
});

describe("the client uses a MAC session only with an offer vouched for by the recipient", () => {
  const kindOf = async (offer: typeof provider.offer) => {
    const h = await (await macSigner({ offer })).headers(body, route);
    return h["x-claw-session"]!.startsWith("x25519.") ? "x25519" : "ed25519";
  };
  test("the provider's own offer gives an x25519 session with a 43-character MAC", async () => {
    const h = await (await macSigner()).headers(body, route);
    assert.match(h["x-claw-session"]!, /^x25519\.[A-Za-z0-9_-]{43}\.\d+\.0x[0-9a-f]{130}$/);
    assert.match(h["x-claw-signature"]!, /^[A-Za-z0-9_-]{43}$/);
    await check(h);
  });

  test("an offer signed by someone else, for another chain, or malformed falls back to Ed25519 (which still verifies)", async () => {
    const stranger = await providerKeyAgreement(generatePrivateKey(), domain);
    const otherChain = await providerKeyAgreement(providerWallet, paymentDomain(97, streamPay));
    const swapped = { x25519: stranger.offer.x25519, signature: provider.offer.signature };
    for (const offer of [stranger.offer, otherChain.offer, swapped, { x25519: "short", signature: provider.offer.signature }, { x25519: provider.offer.x25519, signature: "0x00" as const }]) {
      assert.equal(await kindOf(offer as typeof provider.offer), "ed25519", JSON.stringify(offer));
    }
    await check(await (await macSigner({ offer: stranger.offer })).headers(body, route));
    const noRecipient = await createSessionSigner({ account: sender, domain, streamId: 7n, keyAgreement: provider.offer });
    assert.doesNotMatch((await noRecipient.headers(body, route))["x-claw-session"]!, /^x25519\./);
  });
});

describe("MAC proofs the provider refuses", () => {
  test("a tampered nonce or deadline, another body or path, another stream, or an altered MAC", async () => {
    const h = await (await macSigner()).headers(body, route);
    await assert.rejects(check({ ...h, "x-claw-nonce": (BigInt(h["x-claw-nonce"]!) + 1n).toString() }), code("SIGNATURE_INVALID"));
    await assert.rejects(check({ ...h, "x-claw-deadline": (BigInt(h["x-claw-deadline"]!) + 1n).toString() }), code("SIGNATURE_INVALID"));
    const { "x-claw-body-hash": _, ...noClaim } = h;
    await assert.rejects(check(noClaim, { body: body + " " }), code("SIGNATURE_INVALID"));
    await assert.rejects(check(h, { at: { method: "POST", path: "/v1/chat/completions" } }), code("SIGNATURE_INVALID"));
    // The authorization names stream 7: on stream 8 it recovers to nobody's wallet.
    await assert.rejects(check({ ...h, "x-claw-stream": "8" }), code("SESSION_KEY_INVALID"));
    const sig = h["x-claw-signature"]!;
    await assert.rejects(check({ ...h, "x-claw-signature": `${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}` }), code("SIGNATURE_INVALID"));
  });

  test("an expired authorization, and a provider without an agreement key, are SESSION_KEY_INVALID with a sentence", async () => {
    await assert.rejects(check(await (await macSigner({ ttlSeconds: -10 })).headers(body, route)), code("SESSION_KEY_INVALID"));
    await assert.rejects(check(await (await macSigner()).headers(body, route), { keyAgreement: null }), (e) => isClawError(e, "SESSION_KEY_INVALID") && /no key agreement/.test(e.message));
  });

  test("a MAC agreed with another provider's key does not verify here", async () => {
    const other = await providerKeyAgreement(generatePrivateKey(), domain);
    await assert.rejects(check(await (await macSigner()).headers(body, route), { keyAgreement: other.key }), code("SIGNATURE_INVALID"));
  });

  test("an Ed25519 authorization presented as x25519, and an x25519 one presented as Ed25519, are SESSION_KEY_INVALID", async () => {
    const ed = await (await createSessionSigner({ account: sender, domain, streamId: 7n })).headers(body, route);
    await assert.rejects(check({ ...ed, "x-claw-session": `x25519.${ed["x-claw-session"]}`, "x-claw-signature": "A".repeat(43) }), code("SESSION_KEY_INVALID"));
    const x = await (await macSigner()).headers(body, route);
    await assert.rejects(check({ ...x, "x-claw-session": x["x-claw-session"]!.slice("x25519.".length), "x-claw-signature": "A".repeat(86) }), code("SESSION_KEY_INVALID"));
  });

  test("a low-order consumer key, even authorized by the sender, is SESSION_KEY_INVALID", async () => {
    const zero = new Uint8Array(32);
    const expiresAt = now + 600n;
    const auth = await sender.signTypedData({ domain, types: paymentTypes, primaryType: "SessionKey", message: { streamId: 7n, sessionKey: x25519SessionKey(zero), expiresAt } });
    const h = await (await macSigner()).headers(body, route);
    await assert.rejects(check({ ...h, "x-claw-session": `x25519.${toBase64Url(zero)}.${expiresAt}.${auth}` }), code("SESSION_KEY_INVALID"));
  });

  test("malformed x25519 headers are SIGNATURE_MALFORMED", async () => {
    const h = await (await macSigner()).headers(body, route);
    const [, key, exp, auth] = h["x-claw-session"]!.split(".");
    for (const bad of [
      { "x-claw-signature": "A".repeat(86) },
      { "x-claw-signature": "A".repeat(42) },
      { "x-claw-session": `x25519.${key!.slice(0, 40)}.${exp}.${auth}` },
      { "x-claw-session": `x25519.${key}.${exp}.${auth}.extra` },
      { "x-claw-session": `x25519.${key}.${exp}` },
    ]) assert.throws(() => parsePaymentProof({ ...h, ...bad }, route), code("SIGNATURE_MALFORMED"), JSON.stringify(bad));
  });
});

describe("the MAC key is agreed once per session", () => {
  test("later requests of a session build nothing; a new session builds its own entry", async () => {
    const v = createProofVerifier(domain, { keyAgreement: provider.key });
    const a = await macSigner();
    for (let i = 0; i < 3; i++) await check(await a.headers(body, route), { verifier: v });
    assert.equal(v.sessionsBuilt, 1, "one wallet recovery and one key agreement for three requests");
    const settle = await a.settle();
    await v.verifySettle(parsePaymentProof(settle.headers, { method: "POST", path: settle.path }), sender.address, now);
    assert.equal(v.sessionsBuilt, 1, "the settle act uses the same entry");
    await check(await (await macSigner()).headers(body, route), { verifier: v });
    assert.equal(v.sessionsBuilt, 2);
  });
});
