/**
 * X25519 (MAC) sessions through a real runtime on anvil (issue 23): the quote offers the provider's
 * agreement key signed by its wallet, the SDK's session then proves every paid request and its settle
 * act with a MAC (x25519 session header), is billed and settled by the provider; a forged MAC is
 * refused, and an Ed25519 session (an older client) is still served.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { recoverMessageAddress } from "viem";
import { createClawClient } from "../runtime/client/index.ts";
import { createSessionSigner } from "../runtime/client/payment-signer.ts";
import { parseQuote, type WireQuote } from "../runtime/client/quote.ts";
import { keyAgreementMessage } from "../runtime/core/key-agreement.ts";
import { startMarket, type Market } from "./support/market.ts";

const price = 1_000_000n;
let m: Market;
before(async () => {
  m = await startMarket({
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 40 }, pricePerSecond: price }],
    settlement: { idleSeconds: 1, minJobMs: 100 },
  });
});
after(() => m?.close());

async function quote() {
  const res = await fetch(`${m.provider.url}/v1/quote?model=echo-1`);
  assert.equal(res.status, 200);
  return parseQuote((await res.json()) as WireQuote);
}

test("the quote offers the provider's X25519 key, signed by the provider's wallet for this chain and StreamPay", { timeout: 30_000 }, async () => {
  const q = await quote();
  assert.ok(q.keyAgreement, "payment.keyAgreement is published");
  assert.match(q.keyAgreement.x25519, /^[A-Za-z0-9_-]{43}$/);
  const by = await recoverMessageAddress({ message: keyAgreementMessage(m.domain, q.keyAgreement.x25519), signature: q.keyAgreement.signature });
  assert.equal(by, m.provider.clients.address);
  assert.equal(q.recipient, m.provider.clients.address);
});

test("an SDK session proves every request and its settle act with a MAC, is billed, and settled by the provider", { timeout: 60_000 }, async () => {
  const sessions: string[] = [];
  const realFetch = globalThis.fetch;
  // Records the proof headers the SDK sends (the requests themselves go through unchanged).
  globalThis.fetch = (input, init) => {
    const h = new Headers(init?.headers);
    const s = h.get("x-claw-session");
    if (s) sessions.push(s);
    return realFetch(input, init);
  };
  try {
    const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[5]!, contracts: m.contracts, pollingIntervalMs: 100 });
    const session = await claw.openSession({ model: "echo-1", expectedSeconds: 20, probe: false });
    const first = await session.ask("hello over a MAC");
    const second = await session.ask("and again");
    assert.match(first.text, /hello/);
    assert.ok(first.billing.cost > 0n && second.billing.cost > 0n, `billed ${first.billing.cost} and ${second.billing.cost}`);
    assert.equal(first.receiptError, undefined, "the job receipt verifies");
    const receipt = await session.close();
    assert.equal(receipt.closedBy, "provider-settle", "the MAC'd settle act was accepted");
    assert.equal(receipt.metered, first.billing.cost + second.billing.cost);
    assert.equal(receipt.paid, receipt.metered);
  } finally {
    globalThis.fetch = realFetch;
  }
  assert.ok(sessions.length >= 3, `two requests and the settle act carried a session header (${sessions.length})`);
  for (const s of sessions) assert.match(s, /^x25519\./, "every proof is a MAC session");
});

test("a forged MAC is refused with 401 SIGNATURE_INVALID; an Ed25519 session is still served", { timeout: 30_000 }, async () => {
  const consumer = m.account(4);
  const providerId = m.provider.offerings[0]!.providerId;
  const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId });
  const q = await quote();
  const mac = await createSessionSigner({ account: consumer, domain: m.domain, streamId, keyAgreement: q.keyAgreement, recipient: q.recipient });
  const body = JSON.stringify({ model: "echo-1", prompt: "forged" });
  const headers = await mac.headers(body, { path: "/v1/inference" });
  assert.match(headers["x-claw-session"]!, /^x25519\./);
  const sig = headers["x-claw-signature"]!;
  const forged = await m.post("/v1/inference", body, undefined, { ...headers, "x-claw-signature": `${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}` });
  assert.equal(forged.status, 401);
  assert.equal(((await forged.json()) as { error: { code: string } }).error.code, "SIGNATURE_INVALID");
  const ok = await m.post("/v1/inference", body, mac);
  assert.equal(ok.status, 200, await ok.clone().text());
  const ed = await m.post("/v1/inference", { model: "echo-1", prompt: "old client" }, await m.sessionSigner(consumer, streamId));
  assert.equal(ed.status, 200, await ed.clone().text());
});
