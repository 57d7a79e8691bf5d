import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import Fastify, { type FastifyInstance } from "fastify";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { paymentDomain } from "../../core/payment.ts";
import { streamStatus, type OnChainStream } from "../../core/stream.ts";
import { createDirectSigner, createSessionSigner } from "../../client/payment-signer.ts";
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
    providerId: 1n, serviceType: 0, status: streamStatus.active, ...o,
  };
}

describe("POST /v1/streams/:id/settle", () => {
  const chainStreams = new Map<bigint, OnChainStream>([
    [1n, stream(1n)],
    [2n, stream(2n)],
    [3n, stream(3n, { recipient: stranger.address as Address })],
    [4n, stream(4n, { status: streamStatus.settled })],
  ]);
  const ledger = createBudgetLedger();
  const settleCalls: bigint[] = [];
  let app: FastifyInstance;
  let url: string;

  before(async () => {
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
    }));
    url = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  after(() => app.close());

  async function ask(id: bigint, signer: { headers(b: string): Promise<Record<string, string>> }, path = `/v1/streams/${id}/settle`) {
    const body = JSON.stringify({ streamId: id.toString() });
    const res = await fetch(url + path, { method: "POST", body, headers: { ...(await signer.headers(body)), "content-type": "application/json" } });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
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
});
