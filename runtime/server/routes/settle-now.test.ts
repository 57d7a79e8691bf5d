import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { jobAccepted } from "../../core/events.ts";
import { bodyHashOf, paymentDomain } from "../../core/payment.ts";
import { openStore } from "../../store/index.ts";
import { createGroupCommitter } from "../../store/group-commit.ts";
import { tempDir } from "../../store/testing/drivers.ts";
import type { EventStore } from "../../store/types.ts";
import type { OnChainStream } from "../../core/stream.ts";
import { createDirectSigner, createSessionSigner, type PaymentSigner } from "../../client/payment-signer.ts";
import { createBudgetLedger } from "../../scheduler/budget-ledger.ts";
import { registerBodyParsers } from "../body-parsers.ts";
import { registerErrorHandler } from "../error-handler.ts";
import { createProofVerifier } from "../guard/verify-proof.ts";
import { settleNowRoutes } from "./settle-now.ts";

const provider = privateKeyToAccount(generatePrivateKey());
const sender = privateKeyToAccount(generatePrivateKey());
const stranger = privateKeyToAccount(generatePrivateKey());
const domain = paymentDomain(31337, "0x00000000000000000000000000000000000000aa");

function stream(id: bigint, o: Partial<OnChainStream> = {}): OnChainStream {
  return {
    streamId: id, sender: sender.address, recipient: provider.address, deposit: 1_000n, withdrawn: 0n, startTime: 1n, duration: 100n,
    providerId: 1n, serviceType: 0, status: "active", ...o,
  };
}

describe("POST /v1/streams/:id/settle", () => {
  const chainStreams = new Map<bigint, OnChainStream>([
    [1n, stream(1n)],
    [2n, stream(2n)],
    [3n, stream(3n, { recipient: stranger.address as Address })],
    [4n, stream(4n, { status: "settled" })],
  ]);
  const ledger = createBudgetLedger();
  const settleCalls: bigint[] = [];
  let app: FastifyInstance;
  let url: string;
  const dir = tempDir("claw-settle-");
  let store: EventStore;

  before(async () => {
    store = openStore({ path: join(dir, "events.db") });
    const journal = createGroupCommitter(store);
    ledger.track(1n, { deposit: 1_000n, metered: 250n });
    app = Fastify();
    registerBodyParsers(app, { jsonBytes: 1024, uploadBytes: 1024 });
    registerErrorHandler(app, async () => undefined);
    await app.register(settleNowRoutes({
      wallet: provider.address,
      streams: { get: async (id) => chainStreams.get(id) ?? null },
      verifier: createProofVerifier(domain),
      ledger,
      meteredTotal: (id) => (id === 2n ? 40n : 0n),
      settleSoon: (id) => void settleCalls.push(id),
      store: { hasNonce: (s, n) => store.hasNonce(s, n), append: (e) => journal.append(e) },
    }));
    url = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  type Answer = { status: number; json: Record<string, unknown> & { error?: { code: string } } };
  async function send(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
    const res = await fetch(url + path, { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
    return { status: res.status, json: (await res.json()) as Answer["json"] };
  }
  async function ask(id: bigint, signer: PaymentSigner, path = `/v1/streams/${id}/settle`): Promise<Answer> {
    const act = await signer.settle();
    return send(path, act.body, act.headers);
  }

  test("the sender's session-key proof closes the stream to new jobs and runs the settler now", async () => {
    const r = await ask(1n, await createSessionSigner({ account: sender, domain, streamId: 1n }));
    assert.equal(r.status, 202);
    assert.deepEqual(r.json, { streamId: "1", status: "settling", metered: "250" });
    assert.equal(ledger.get(1n)?.closed, true);
    assert.deepEqual(settleCalls, [1n]);
  });

  test("a stream the ledger does not track is tracked with the log's metered total, then settled", async () => {
    const r = await ask(2n, createDirectSigner({ account: sender, domain, streamId: 2n }));
    assert.equal(r.status, 202);
    assert.equal(r.json.metered, "40");
    assert.equal(ledger.get(2n)?.closed, true);
    assert.deepEqual(settleCalls, [1n, 2n]);
  });

  test("nobody but the sender can close a stream", async () => {
    ledger.track(5n, { deposit: 1_000n, metered: 0n });
    chainStreams.set(5n, stream(5n));
    const r = await ask(5n, createDirectSigner({ account: stranger, domain, streamId: 5n }));
    assert.equal(r.status, 401);
    assert.equal(r.json.error?.code, "SIGNATURE_INVALID");
    assert.equal(ledger.get(5n)?.closed, false);
    assert.equal(settleCalls.includes(5n), false);
  });

  test("a stream paying another provider, a closed stream, a mismatched id", async () => {
    const wrong = await ask(3n, createDirectSigner({ account: sender, domain, streamId: 3n }));
    assert.equal(wrong.status, 402);
    assert.equal(wrong.json.error?.code, "STREAM_WRONG_RECIPIENT");
    const ended = await ask(4n, createDirectSigner({ account: sender, domain, streamId: 4n }));
    assert.deepEqual([ended.status, ended.json], [200, { streamId: "4", status: "ended" }]);
    const mismatch = await ask(1n, createDirectSigner({ account: sender, domain, streamId: 1n }), "/v1/streams/2/settle");
    assert.equal(mismatch.status, 400);
    const unsigned = await fetch(url + "/v1/streams/1/settle", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    assert.equal(unsigned.status, 402);
    assert.equal(settleCalls.includes(4n), false);
  });

  test("a served request's headers and body replayed here are refused (a payment is not a settle act)", async () => {
    chainStreams.set(6n, stream(6n));
    for (const signer of [createDirectSigner({ account: sender, domain, streamId: 6n }), await createSessionSigner({ account: sender, domain, streamId: 6n })]) {
      const body = JSON.stringify({ model: "echo-1", prompt: "hi" });
      const served = await signer.headers(body, { path: "/v1/inference" });
      const replayed = await send("/v1/streams/6/settle", body, served);
      assert.equal(replayed.status, 400, "not the exact settle body");
      // Even a payment signed for this very route over the exact settle body is not the settle act.
      const exact = JSON.stringify({ streamId: "6" });
      const forged = await send("/v1/streams/6/settle", exact, await signer.headers(exact, { path: "/v1/streams/6/settle" }));
      assert.deepEqual([forged.status, forged.json.error?.code], [401, "SIGNATURE_INVALID"]);
    }
    assert.equal(settleCalls.includes(6n), false);
    assert.equal(store.read({ types: ["SettleRequested"] }).some((e) => e.type === "SettleRequested" && e.data.streamId === 6n), false);
  });

  test("the same settle act twice: 202 then NONCE_REPLAYED (the old replay answered 202 twice)", async () => {
    chainStreams.set(7n, stream(7n));
    const act = await createDirectSigner({ account: sender, domain, streamId: 7n }).settle();
    const first = await send(act.path, act.body, act.headers);
    assert.equal(first.status, 202);
    const again = await send(act.path, act.body, act.headers);
    assert.deepEqual([again.status, again.json.error?.code], [409, "NONCE_REPLAYED"]);
    const spent = store.read({ types: ["SettleRequested"] }).filter((e) => e.type === "SettleRequested" && e.data.streamId === 7n);
    assert.equal(spent.length, 1, "one durable SettleRequested");
  });

  test("a settle act cannot reuse a nonce a job spent (one replay space per stream)", async () => {
    chainStreams.set(8n, stream(8n));
    await store.append(jobAccepted({
      jobId: "j-8", streamId: 8n, offering: "echo-1", providerId: 1n, nonce: 99n, bodyHash: bodyHashOf("x"), signer: sender.address,
      pricePerSecond: 1n, task: "inference",
    }));
    const act = await (await createSessionSigner({ account: sender, domain, streamId: 8n })).settle({ nonce: 99n });
    const r = await send(act.path, act.body, act.headers);
    assert.deepEqual([r.status, r.json.error?.code], [409, "NONCE_REPLAYED"]);
    assert.equal(settleCalls.includes(8n), false);
  });

  test("a body other than the exact one is refused before anything happens", async () => {
    chainStreams.set(9n, stream(9n));
    const act = await createDirectSigner({ account: sender, domain, streamId: 9n }).settle();
    for (const body of [`{"streamId": "9"}`, `{"streamId":9}`, `{"streamId":"9","x":1}`, ""]) {
      const r = await send(act.path, body, act.headers);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    assert.equal(settleCalls.includes(9n), false);
    assert.equal((await send(act.path, act.body, act.headers)).status, 202, "the exact body with the same act still works");
  });
});
