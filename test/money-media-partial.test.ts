/**
 * Pay only for what was received, AFTER output, for images and transcriptions (issue 12, the
 * README's table): a job cut by its budget, or whose backend fails, after it delivered some images
 * / transcript windows answers 200 with what was delivered, `finish_reason` ("length" / "error"),
 * `claw.partial`, and is billed up to its last delivered output — to the wei, the same figure in
 * the response, the JobFailed event and the stream's metered total, and settled on chain for it.
 *
 * The backends are test/support/per-call-media.ts: the real diffusion and whisper plugins making
 * one call per image / per audio window to the fake A1111 and whisper servers of plugins/testing,
 * whose per-request modes (`queue("ok", "upstream")`) make the second call fail or stall.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { tinyPngBase64 } from "../plugins/testing/fake-diffusion.ts";
import type { FakeServer } from "../plugins/testing/fake-server.ts";
import type { StoredEvent } from "../runtime/core/events.ts";
import { perCallMediaPath } from "./support/per-call-media.ts";
import { eventually, type Market } from "./support/market.ts";
import { startMediaMarket } from "./support/media-market.ts";

const price = 1_000_000n; // wei per second
const budgetMs = 800; // maxJobSeconds 0.8: what a stalled second call is cut at
let m: Market;
let sd: FakeServer;
let stt: FakeServer;
let market: Awaited<ReturnType<typeof startMediaMarket>> | undefined;

before(async () => {
  market = await startMediaMarket((u) => [
    { model: "sd", backend: perCallMediaPath.image, options: { api: "a1111", baseUrl: u.sd, ...u.http }, pricePerSecond: price, maxJobSeconds: budgetMs / 1000 },
    { model: "whisper", backend: perCallMediaPath.audio, options: { api: "openai", baseUrl: `${u.stt}/v1`, ...u.http }, pricePerSecond: price, maxJobSeconds: budgetMs / 1000 },
  ], {
    // Settled 2 s after its job: the chain pays exactly the billed partial.
    settlement: { idleSeconds: 2, minJobMs: 100 },
  });
  ({ m, sd, stt } = market);
});
after(() => market?.close());

type Body = {
  data?: Array<{ b64_json: string }>; text?: string; segments?: unknown[]; duration?: number; finish_reason?: string; error?: { code: string };
  claw?: { cost: string; meteredMs: number; partial?: { code: string } };
};

async function openFor(model: string) {
  const consumer = m.account(2);
  const providerId = m.provider.offerings.find((o) => o.model === model)!.providerId;
  const deposit = price * 600n;
  const { streamId } = await m.openStream(consumer, { deposit, duration: 600n, providerId });
  return { streamId, deposit, signer: await m.sessionSigner(consumer, streamId) };
}

async function images(n: number) {
  const s = await openFor("sd");
  const res = await m.post("/v1/images/generations", { model: "sd", prompt: "a red fox", n }, s.signer);
  return { ...s, status: res.status, body: (await res.json()) as Body };
}

async function transcription() {
  const s = await openFor("whisper");
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(4000).fill(5)], { type: "audio/wav" }), "long.wav");
  form.set("model", "whisper");
  form.set("response_format", "verbose_json");
  const req = new Request("http://x/", { method: "POST", body: form });
  const raw = new Uint8Array(await req.arrayBuffer());
  const path = "/v1/audio/transcriptions";
  const res = await fetch(`${m.provider.url}${path}`, { method: "POST", body: raw, headers: { "content-type": req.headers.get("content-type")!, ...(await s.signer.headers(raw, { path })) } });
  return { ...s, status: res.status, body: (await res.json()) as Body };
}

/** Response, JobFailed, the stream's metered total and the settlement agree on the billed partial, to the wei. */
async function assertBilledPartial(a: { streamId: bigint; deposit: bigint; body: Body }, code: string) {
  const read = () => m.provider.store.read().filter((e) => (e.data as { streamId?: bigint }).streamId === a.streamId);
  const failed = read().filter((e) => e.type === "JobFailed") as Array<StoredEvent<"JobFailed">>;
  assert.equal(failed.length, 1);
  const f = failed[0]!.data;
  assert.equal(f.code, code);
  assert.equal(a.body.claw?.partial?.code, code);
  assert.equal(BigInt(a.body.claw!.cost), f.cost, "billed what the consumer was told");
  assert.equal(BigInt(a.body.claw!.meteredMs), f.meteredMs);
  assert.equal(f.cost, (f.meteredMs * price) / 1000n, "floor(ms × price / 1000)");
  assert.ok(f.cost > 0n, "output was delivered: it is paid for");
  assert.ok(f.meteredMs < BigInt(budgetMs), `billed ${f.meteredMs} ms: up to the last delivered output, not the ${budgetMs} ms budget`);
  assert.equal(m.provider.views.streams.get(a.streamId)?.metered, f.cost);
  const settled = await eventually(() => read().find((e) => e.type === "StreamSettled") as StoredEvent<"StreamSettled"> | undefined, 30_000, "StreamSettled");
  assert.deepEqual([settled.data.earned, settled.data.refund], [f.cost, a.deposit - f.cost], "settled on chain for exactly the partial");
}

describe("images: output delivered, then the job ends early", () => {
  test("completed: every image, one call each", async () => {
    const a = await images(2);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body.data?.map((d) => d.b64_json), [tinyPngBase64, tinyPngBase64]);
    assert.equal(a.body.finish_reason, undefined);
  });

  test("the backend fails after the first image: that image, finish_reason error, billed up to it", async () => {
    sd.queue("ok", "upstream");
    const a = await images(3);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body.data?.map((d) => d.b64_json), [tinyPngBase64], "the one image delivered");
    assert.equal(a.body.finish_reason, "error");
    await assertBilledPartial(a, "BACKEND_UPSTREAM");
  });

  test("the budget runs out while the second image stalls: the first image, finish_reason length, billed up to it", async () => {
    sd.queue("ok", "stall");
    const a = await images(2);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.data?.length, 1);
    assert.equal(a.body.finish_reason, "length");
    await assertBilledPartial(a, "JOB_BUDGET_CUT");
  });
});

describe("transcriptions: a window delivered, then the job ends early", () => {
  const reply = () => stt.reply.join("");

  test("completed: both windows' text and segments", async () => {
    const a = await transcription();
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.text, reply() + reply());
    assert.equal(a.body.segments?.length, 4, "two segments per window (fake whisper), all kept");
    assert.equal(a.body.duration, 5, "2.5 s per window");
    // Each window's segments are timed from its own start (0, 1.2 / 0, 1.2): shifted into one timeline.
    const timeline = (a.body.segments as Array<{ id: number; start: number; end: number }>).map((s) => [s.id, s.start, s.end]);
    assert.deepEqual(timeline, [[0, 0, 1.2], [1, 1.2, 2.5], [2, 2.5, 3.7], [3, 3.7, 5]]);
    assert.equal(a.body.finish_reason, undefined);
  });

  test("the backend fails on the second window: the first window's transcript, finish_reason error, billed up to it", async () => {
    stt.queue("ok", "upstream");
    const a = await transcription();
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.text, reply());
    assert.deepEqual([a.body.segments?.length, a.body.duration], [2, 2.5], "the delivered window only");
    assert.equal(a.body.finish_reason, "error");
    await assertBilledPartial(a, "BACKEND_UPSTREAM");
  });

  test("the budget runs out while the second window stalls: the first window's transcript, finish_reason length, billed up to it", async () => {
    stt.queue("ok", "stall");
    const a = await transcription();
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(a.body.text, reply());
    assert.equal(a.body.finish_reason, "length");
    await assertBilledPartial(a, "JOB_BUDGET_CUT");
  });
});
