/**
 * Proof v2 against the real runtime (issue 12): a paid request's proof is bound to its route, so
 * moved to another route that takes the same body it is refused; and a served request's headers and
 * body, replayed to the settle route, cannot close the consumer's stream — only the sender's
 * distinct settle act can, once. Real anvil, real runtime, real HTTP.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { getStream } from "../runtime/chain/actions/get-stream.ts";
import { startMarket, type Market } from "./support/market.ts";

let m: Market;
before(async () => {
  m = await startMarket();
});
after(() => m?.close());

const send = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${m.provider.url}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
const code = async (res: Response) => ((await res.json()) as { error?: { code: string } }).error?.code;

test("a proof signed for /v1/inference is refused at /inference (same body schema), served where it was signed", async () => {
  const consumer = m.account(2);
  const { streamId } = await m.openStream(consumer, { deposit: 1_000_000n * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
  for (const signer of [m.directSigner(consumer, streamId), await m.sessionSigner(consumer, streamId)]) {
    const body = JSON.stringify({ model: "echo-1", prompt: "bound to its route" });
    const headers = await signer.headers(body, { path: "/v1/inference" });
    const moved = await send("/inference", body, headers);
    assert.deepEqual([moved.status, await code(moved)], [401, "SIGNATURE_INVALID"]);
    const right = await send("/v1/inference", body, headers);
    assert.equal(right.status, 200, "the nonce was not spent by the refused attempt");
  }
});

test("a served request replayed to the settle route does not close the stream; the sender's settle act does, once", async () => {
  const consumer = m.account(3);
  const { streamId } = await m.openStream(consumer, { deposit: 1_000_000n * 600n, duration: 600n, providerId: m.provider.offerings[0]!.providerId });
  const signer = await m.sessionSigner(consumer, streamId);
  const body = JSON.stringify({ model: "echo-1", prompt: "served once" });
  const headers = await signer.headers(body, { path: "/v1/inference" });
  assert.equal((await send("/v1/inference", body, headers)).status, 200);

  const settlePath = `/v1/streams/${streamId}/settle`;
  for (let i = 0; i < 2; i++) {
    const replay = await send(settlePath, body, headers);
    assert.deepEqual([replay.status, await code(replay)], [400, "BAD_REQUEST"], "the old replay answered 202 twice");
  }
  const exact = JSON.stringify({ streamId: streamId.toString() });
  const payment = await send(settlePath, exact, await signer.headers(exact, { path: settlePath }));
  assert.deepEqual([payment.status, await code(payment)], [401, "SIGNATURE_INVALID"], "a payment proof is not a settle act");
  assert.equal((await send("/v1/inference", JSON.stringify({ model: "echo-1", prompt: "still open" }), await signer.headers(JSON.stringify({ model: "echo-1", prompt: "still open" }), { path: "/v1/inference" }))).status, 200, "the stream is still served");

  const act = await signer.settle();
  const first = await send(act.path, act.body, act.headers);
  assert.equal(first.status, 202);
  const again = await send(act.path, act.body, act.headers);
  assert.deepEqual([again.status, await code(again)], [409, "NONCE_REPLAYED"]);
  const deadline = Date.now() + 15_000;
  while ((await getStream(m.publicClient, { streamPay: m.contracts.streamPay, streamId })).status === "active") {
    assert.ok(Date.now() < deadline, "the provider settled the stream");
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await getStream(m.publicClient, { streamPay: m.contracts.streamPay, streamId })).status, "settled");
});
