import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { bodyHashOf, paymentDomain } from "../../core/payment.ts";
import { isClawError } from "../../core/errors.ts";
import { createDirectSigner, createSessionSigner } from "../../client/payment-signer.ts";
import { parsePaymentProof } from "./parse-proof.ts";
import { createProofVerifier } from "./verify-proof.ts";

const streamPay = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const domain = paymentDomain(31337, streamPay);
const sender = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const now = BigInt(Math.floor(Date.now() / 1000));
const body = JSON.stringify({ model: "echo-1", prompt: "hi" });

async function check(headers: Record<string, string>, opts: { body?: string; signer?: string; verifierDomain?: typeof domain } = {}) {
  const proof = parsePaymentProof(headers);
  const v = createProofVerifier(opts.verifierDomain ?? domain);
  await v.verify(proof, bodyHashOf(opts.body ?? body), (opts.signer ?? sender.address) as `0x${string}`, now);
  return proof;
}

for (const [mode, make] of [
  ["direct", async (account = sender) => createDirectSigner({ account, domain, streamId: 7n })],
  ["session", async (account = sender) => createSessionSigner({ account, domain, streamId: 7n })],
] as const) {
  describe(`${mode} proofs`, () => {
    test("a proof by the sender over this body verifies", async () => {
      const proof = await check(await (await make()).headers(body));
      assert.equal(proof.mode, mode);
      assert.equal(proof.streamId, 7n);
    });

    test("a proof by someone else is SIGNATURE_INVALID or SESSION_KEY_INVALID", async () => {
      await assert.rejects(check(await (await make(stranger)).headers(body)), (e) => isClawError(e) && /INVALID/.test(e.code));
    });

    test("another body does not verify", async () => {
      await assert.rejects(check(await (await make()).headers(body), { body: body + " " }), (e) => isClawError(e, "SIGNATURE_INVALID"));
    });

    test("a proof for another chain's domain does not verify", async () => {
      const other = paymentDomain(97, streamPay);
      await assert.rejects(check(await (await make()).headers(body), { verifierDomain: other }), (e) => isClawError(e) && /INVALID/.test(e.code));
    });
  });
}

describe("parsePaymentProof", () => {
  test("no stream header asks for payment (402)", () => {
    assert.throws(() => parsePaymentProof({}), (e) => isClawError(e, "PAYMENT_REQUIRED") && e.status === 402);
  });
  test("no signature is 401 SIGNATURE_MISSING", () => {
    assert.throws(() => parsePaymentProof({ "x-claw-stream": "1" }), (e) => isClawError(e, "SIGNATURE_MISSING") && e.status === 401);
  });
  test("garbage is SIGNATURE_MALFORMED, never a crash", () => {
    for (const h of [
      { "x-claw-stream": "abc", "x-claw-signature": "0x00", "x-claw-nonce": "1", "x-claw-deadline": "1" },
      { "x-claw-stream": "1", "x-claw-signature": "0x00", "x-claw-nonce": "1", "x-claw-deadline": "1" },
      { "x-claw-stream": "1", "x-claw-signature": "AAAA", "x-claw-nonce": "1", "x-claw-deadline": "1", "x-claw-session": "x.y.z" },
      { "x-claw-stream": "1".repeat(90), "x-claw-signature": "0x00", "x-claw-nonce": "1", "x-claw-deadline": "1" },
    ]) assert.throws(() => parsePaymentProof(h), (e) => isClawError(e, "SIGNATURE_MALFORMED"));
  });
});
