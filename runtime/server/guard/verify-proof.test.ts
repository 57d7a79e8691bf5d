import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { bodyHashOf, paymentDomain, settleBody } from "../../core/payment.ts";
import { isClawError } from "../../core/errors.ts";
import { createDirectSigner, createSessionSigner } from "../../client/payment-signer.ts";
import { parsePaymentProof, type RequestTarget } from "./parse-proof.ts";
import { createProofVerifier } from "./verify-proof.ts";
import { providerKeyAgreement } from "./session-mac.ts";

const streamPay = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = paymentDomain(31337, streamPay);
const sender = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const now = BigInt(Math.floor(Date.now() / 1000));
const body = JSON.stringify({ model: "echo-1", prompt: "hi" });
const route: RequestTarget = { method: "POST", path: "/v1/inference" };
const settleRoute: RequestTarget = { method: "POST", path: "/v1/streams/7/settle" };
// The provider's X25519 agreement key (its wallet is the stream's recipient): every verifier here holds it.
const providerWallet = generatePrivateKey();
const agreement = await providerKeyAgreement(providerWallet, domain);
const recipient = privateKeyToAccount(providerWallet).address;

type CheckOpts = { body?: string; signer?: string; verifierDomain?: typeof domain; at?: RequestTarget };
async function check(headers: Record<string, string>, opts: CheckOpts = {}) {
  const proof = parsePaymentProof(headers, opts.at ?? route);
  const v = createProofVerifier(opts.verifierDomain ?? domain, { keyAgreement: agreement.key });
  await v.verify(proof, bodyHashOf(opts.body ?? body), (opts.signer ?? sender.address) as `0x${string}`, now);
  return proof;
}
async function checkSettle(headers: Record<string, string>, signer = sender.address) {
  const v = createProofVerifier(domain, { keyAgreement: agreement.key });
  await v.verifySettle(parsePaymentProof(headers, settleRoute), signer, now);
}
const invalid = (e: unknown) => isClawError(e) && /INVALID/.test(e.code);

for (const [mode, make] of [
  ["direct", async (account = sender) => createDirectSigner({ account, domain, streamId: 7n })],
  ["session", async (account = sender) => createSessionSigner({ account, domain, streamId: 7n })],
  ["x25519", async (account = sender) => createSessionSigner({ account, domain, streamId: 7n, keyAgreement: agreement.offer, recipient })],
] as const) {
  describe(`${mode} proofs`, () => {
    test("a proof by the sender over this body at this route verifies", async () => {
      const proof = await check(await (await make()).headers(body, route));
      assert.equal(proof.mode, mode === "direct" ? "direct" : "session");
      if (proof.mode === "session") assert.equal(proof.session.kind, mode === "x25519" ? "x25519" : "ed25519");
      assert.equal(proof.streamId, 7n);
    });

    test("a proof by someone else is SIGNATURE_INVALID or SESSION_KEY_INVALID", async () => {
      await assert.rejects(check(await (await make(stranger)).headers(body, route)), invalid);
    });

    test("another body does not verify", async () => {
      await assert.rejects(check(await (await make()).headers(body, route), { body: body + " " }), (e) => isClawError(e, "SIGNATURE_INVALID"));
    });

    test("a proof for another chain's domain does not verify", async () => {
      const other = paymentDomain(97, streamPay);
      await assert.rejects(check(await (await make()).headers(body, route), { verifierDomain: other }), invalid);
    });

    test("a proof moved to another route or method does not verify (v2 binds method and path)", async () => {
      const headers = await (await make()).headers(body, route);
      for (const at of [{ method: "POST", path: "/v1/chat/completions" }, { method: "POST", path: "/inference" }, { method: "PUT", path: "/v1/inference" }, { method: "POST", path: "/v1/inference?x=1" }]) {
        await assert.rejects(check(headers, { at }), (e) => isClawError(e, "SIGNATURE_INVALID"), `${at.method} ${at.path}`);
      }
    });

    test("a payment proof is not a settle act, and a settle act is not a payment", async () => {
      const signer = await make();
      // Even a payment signed for the settle route with the settle body is still a payment, not the act.
      await assert.rejects(checkSettle(await signer.headers(settleBody(7n), settleRoute)), (e) => isClawError(e, "SIGNATURE_INVALID"));
      const act = await signer.settle();
      await checkSettle(act.headers);
      assert.equal(act.body, settleBody(7n));
      assert.equal(act.path, settleRoute.path);
      await assert.rejects(check(act.headers, { at: settleRoute, body: act.body }), (e) => isClawError(e, "SIGNATURE_INVALID"));
      await assert.rejects(checkSettle((await (await make(stranger)).settle()).headers), invalid);
    });
  });
}

describe("signing needs the route", () => {
  test("a signer asked without a path refuses instead of making an unbindable proof", async () => {
    const s = createDirectSigner({ account: sender, domain, streamId: 7n });
    await assert.rejects(s.headers(body, undefined as never), TypeError);
    await assert.rejects(s.headers(body, { path: "v1/no-slash" }), TypeError);
  });
});

describe("parsePaymentProof", () => {
  test("no stream header asks for payment (402)", () => {
    assert.throws(() => parsePaymentProof({}, route), (e) => isClawError(e, "PAYMENT_REQUIRED") && e.status === 402);
  });
  test("no signature is 401 SIGNATURE_MISSING", () => {
    assert.throws(() => parsePaymentProof({ "x-claw-stream": "1" }, route), (e) => isClawError(e, "SIGNATURE_MISSING") && e.status === 401);
  });
  test("garbage is SIGNATURE_MALFORMED, never a crash", () => {
    for (const h of [
      { "x-claw-stream": "abc", "x-claw-signature": "0x00", "x-claw-nonce": "1", "x-claw-deadline": "1" },
      { "x-claw-stream": "1", "x-claw-signature": "0x00", "x-claw-nonce": "1", "x-claw-deadline": "1" },
      { "x-claw-stream": "1", "x-claw-signature": "AAAA", "x-claw-nonce": "1", "x-claw-deadline": "1", "x-claw-session": "x.y.z" },
      { "x-claw-stream": "1".repeat(90), "x-claw-signature": "0x00", "x-claw-nonce": "1", "x-claw-deadline": "1" },
    ]) assert.throws(() => parsePaymentProof(h, route), (e) => isClawError(e, "SIGNATURE_MALFORMED"));
  });
  test("a path too long to bind is a 400, not a crash", () => {
    const h = { "x-claw-stream": "1", "x-claw-signature": "0x" + "00".repeat(65), "x-claw-nonce": "1", "x-claw-deadline": "1" };
    assert.throws(() => parsePaymentProof(h, { method: "POST", path: "/" + "a".repeat(5000) }), (e) => isClawError(e, "BAD_REQUEST"));
  });
});

describe("session signature encodings (parse-proof's fast path keeps the old reading)", () => {
  test("the SDK's unpadded base64url verifies; the same bytes padded still verify; an altered or malformed one does not", async () => {
    const signer = await createSessionSigner({ account: sender, domain, streamId: 7n });
    const headers = await signer.headers(body, route);
    const sig = headers["x-claw-signature"]!;
    assert.match(sig, /^[A-Za-z0-9_-]{86}$/, "the SDK sends 86 characters, no padding");
    await check(headers);
    await check({ ...headers, "x-claw-signature": `${sig}==` });
    // One character changed: 64 bytes all the same, so it is read, and the Ed25519 check refuses it.
    const flipped = `${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`;
    await assert.rejects(check({ ...headers, "x-claw-signature": flipped }), (e) => isClawError(e, "SIGNATURE_INVALID"));
    for (const bad of [sig.slice(0, 85), `${sig}A`, `${sig.slice(0, 85)}*`, "x".repeat(86) + "="]) {
      await assert.rejects(check({ ...headers, "x-claw-signature": bad }), (e) => isClawError(e, "SIGNATURE_MALFORMED") || isClawError(e, "SIGNATURE_INVALID"), bad);
    }
  });

  test("a session header parsed once serves later requests of that session; another session's header is parsed on its own", async () => {
    const a = await createSessionSigner({ account: sender, domain, streamId: 7n });
    const b = await createSessionSigner({ account: stranger, domain, streamId: 7n });
    const first = await check(await a.headers(body, route));
    const second = await check(await a.headers(body, route));
    assert.ok(first.mode === "session" && second.mode === "session");
    assert.equal(first.session, second.session, "the same parsed session");
    // The stranger's session is its own entry: still refused for this stream's sender.
    await assert.rejects(check(await b.headers(body, route)), (e) => isClawError(e, "SESSION_KEY_INVALID"));
  });
});
