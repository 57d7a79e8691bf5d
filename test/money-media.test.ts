/**
 * Pay only for what was received, for images and transcriptions (issue 12, the README's table
 * "every way a job can end"), end to end: anvil, the real runtime on loopback, the diffusion and
 * whisper plugins talking to the fake A1111 / OpenAI-audio servers of plugins/testing.
 *
 * Both backends answer in one piece (one HTTP response, every image / the transcript yielded in
 * the same tick), so the rows that can happen to them are: completed (all metered time), failed
 * before any output (0), cut by the budget before any output (0), refused as a bad request (the
 * time until the refusal) and the consumer leaving (the time until it left). Each is checked to the
 * wei: what the response says, the job's ending event and the stream's metered total agree, and the
 * cost is floor(meteredMs × price / 1000).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { tinyPngBase64 } from "../plugins/testing/fake-diffusion.ts";
import type { FakeMode, FakeServer } from "../plugins/testing/fake-server.ts";
import type { StoredEvent } from "../runtime/core/events.ts";
import { eventually, type Market } from "./support/market.ts";
import { startMediaMarket } from "./support/media-market.ts";

const price = 1_000_000n; // wei per second
let m: Market;
let sd: FakeServer;
let stt: FakeServer;
let market: Awaited<ReturnType<typeof startMediaMarket>> | undefined;

before(async () => {
  market = await startMediaMarket((u) => [
    { model: "sd", backend: "diffusion", options: { api: "a1111", baseUrl: u.sd, ...u.http }, pricePerSecond: price },
    { model: "whisper", backend: "whisper", options: { api: "openai", baseUrl: `${u.stt}/v1`, ...u.http }, pricePerSecond: price },
    // Half a second of budget per job: a stalled backend is cut by the budget, not by a timeout.
    { model: "sd-short", backend: "diffusion", options: { api: "a1111", baseUrl: u.sd, ...u.http }, pricePerSecond: price, maxJobSeconds: 0.5 },
    { model: "whisper-short", backend: "whisper", options: { api: "openai", baseUrl: `${u.stt}/v1`, ...u.http }, pricePerSecond: price, maxJobSeconds: 0.5 },
  ]);
  ({ m, sd, stt } = market);
});
after(() => market?.close());

type Claw = { jobId: string; cost: string; meteredMs: number; partial?: { code: string } };
type Answer = { status: number; jobId: string | null; streamId: bigint; body: { claw?: Claw; error?: { code: string }; data?: Array<{ b64_json: string }>; text?: string; finish_reason?: string } };

const providerIdOf = (model: string) => m.provider.offerings.find((o) => o.model === model)!.providerId;

async function openFor(model: string) {
  const consumer = m.account(2);
  const { streamId } = await m.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId: providerIdOf(model) });
  return { streamId, signer: await m.sessionSigner(consumer, streamId) };
}

async function image(model: string, signal?: AbortSignal, opened?: (streamId: bigint) => void): Promise<Answer> {
  const { streamId, signer } = await openFor(model);
  opened?.(streamId);
  const path = "/v1/images/generations";
  const text = JSON.stringify({ model, prompt: "a red fox", n: 2 });
  const res = await fetch(`${m.provider.url}${path}`, { method: "POST", body: text, headers: { "content-type": "application/json", ...(await signer.headers(text, { path })) }, ...(signal ? { signal } : {}) });
  return { status: res.status, jobId: res.headers.get("x-claw-job"), streamId, body: (await res.json()) as Answer["body"] };
}

async function transcribe(model: string, signal?: AbortSignal, opened?: (streamId: bigint) => void): Promise<Answer> {
  const { streamId, signer } = await openFor(model);
  opened?.(streamId);
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(2000).fill(3)], { type: "audio/wav" }), "hello.wav");
  form.set("model", model);
  const req = new Request("http://x/", { method: "POST", body: form });
  const raw = new Uint8Array(await req.arrayBuffer());
  const path = "/v1/audio/transcriptions";
  const res = await fetch(`${m.provider.url}${path}`, {
    method: "POST", body: raw, headers: { "content-type": req.headers.get("content-type")!, ...(await signer.headers(raw, { path })) }, ...(signal ? { signal } : {}),
  });
  return { status: res.status, jobId: res.headers.get("x-claw-job"), streamId, body: (await res.json()) as Answer["body"] };
}

/** The job's ending event on a stream (each case uses its own stream, so there is exactly one). */
function endingOf(streamId: bigint): StoredEvent<"JobCompleted"> | StoredEvent<"JobFailed"> {
  const ends = m.provider.store.read().filter((e) => (e.type === "JobCompleted" || e.type === "JobFailed") && e.data.streamId === streamId);
  assert.equal(ends.length, 1, `one ending for stream ${streamId}`);
  return ends[0] as StoredEvent<"JobCompleted"> | StoredEvent<"JobFailed">;
}

/** The stream's metered total equals the job's cost, which is floor(meteredMs × price / 1000). */
function assertBilled(streamId: bigint, e: StoredEvent<"JobCompleted"> | StoredEvent<"JobFailed">) {
  assert.equal(e.data.cost, (e.data.meteredMs * price) / 1000n, "cost = floor(meteredMs × price / 1000)");
  assert.equal(m.provider.views.streams.get(streamId)?.metered, e.data.cost, "the stream's metered total is this job's cost");
}

async function withMode<T>(fake: FakeServer, mode: FakeMode, run: () => Promise<T>): Promise<T> {
  fake.setMode(mode);
  try {
    return await run();
  } finally {
    fake.setMode("ok");
  }
}

const kinds = [
  { name: "images", fake: () => sd, ask: image, model: "sd", short: "sd-short", refusal: 422 },
  { name: "transcriptions", fake: () => stt, ask: transcribe, model: "whisper", short: "whisper-short", refusal: 400 },
] as const;

for (const k of kinds) {
  describe(`${k.name}: every way a job can end × what is billed`, () => {
    test("completed: the whole output, billed all its metered time", async () => {
      const a = await k.ask(k.model);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      if (k.name === "images") {
        assert.deepEqual(a.body.data?.map((d) => d.b64_json), [tinyPngBase64, tinyPngBase64], "both images delivered");
      } else assert.equal(a.body.text, k.fake().reply.join(""));
      assert.equal(a.body.finish_reason, undefined);
      const e = endingOf(a.streamId);
      assert.equal(e.type, "JobCompleted");
      assert.equal(e.data.jobId, a.jobId);
      assert.equal(BigInt(a.body.claw!.cost), e.data.cost, "billed what the consumer was told");
      assert.equal(BigInt(a.body.claw!.meteredMs), e.data.meteredMs);
      assertBilled(a.streamId, e);
    });

    for (const [mode, code] of [["upstream", "BACKEND_UPSTREAM"], ["stream-error", "BACKEND_STREAM_ERROR"], ["malformed", "BACKEND_MALFORMED"]] as const) {
      test(`backend failed before any output (${mode}): the error, billed 0`, async () => {
        const a = await withMode(k.fake(), mode, () => k.ask(k.model));
        assert.equal(a.status, 502, JSON.stringify(a.body));
        assert.equal(a.body.error?.code, code);
        const e = endingOf(a.streamId);
        assert.equal(e.type, "JobFailed");
        assert.deepEqual([e.data.meteredMs, e.data.cost], [0n, 0n]);
        assertBilled(a.streamId, e);
      });
    }

    test("cut by its budget before any output: the error (402), billed 0", async () => {
      const a = await withMode(k.fake(), "stall", () => k.ask(k.short));
      assert.equal(a.status, 402, JSON.stringify(a.body));
      assert.equal(a.body.error?.code, "JOB_BUDGET_CUT");
      const e = endingOf(a.streamId);
      assert.ok(e.type === "JobFailed");
      assert.equal(e.data.code, "JOB_BUDGET_CUT");
      assert.deepEqual([e.data.meteredMs, e.data.cost], [0n, 0n], "nothing received, nothing billed");
      assertBilled(a.streamId, e);
    });

    test("the backend refused the request itself: the error (400), billed the time until the refusal", async () => {
      const a = await withMode(k.fake(), "bad-request", () => k.ask(k.model));
      assert.equal(a.status, 400, JSON.stringify(a.body));
      assert.equal(a.body.error?.code, "BACKEND_BAD_REQUEST");
      const e = endingOf(a.streamId);
      assert.ok(e.type === "JobFailed");
      assert.equal(e.data.code, "BACKEND_BAD_REQUEST");
      assertBilled(a.streamId, e);
    });

    test("the consumer left mid-job: billed all the time until it left", async () => {
      const fake = k.fake();
      const seen = fake.received.length;
      const leave = new AbortController();
      fake.setMode("stall");
      let streamId = -1n;
      const asked = k.ask(k.model, leave.signal, (id) => (streamId = id)).catch((err: unknown) => err);
      try {
        await fake.waitForRequests(seen + 1, 10_000);
      } finally {
        fake.setMode("ok");
      }
      // The meter started before the backend was called; the consumer leaves 300 ms after that call.
      await new Promise((r) => setTimeout(r, 300));
      leave.abort();
      assert.ok((await asked) instanceof Error, "the consumer's request was aborted");
      const e = await eventually(() => {
        const ends = m.provider.store.read().filter((x) => x.type === "JobFailed" && x.data.streamId === streamId);
        return ends[0] as StoredEvent<"JobFailed"> | undefined;
      }, 10_000, "the job's ending");
      assert.equal(e.data.code, "JOB_ABORTED");
      assert.ok(e.data.meteredMs >= 300n, `billed ${e.data.meteredMs} ms, at least the 300 ms the consumer waited`);
      assertBilled(streamId, e);
    });
  });
}
