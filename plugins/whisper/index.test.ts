import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../loader.ts";
import { describeConformance, runJob } from "../testing/conformance.ts";
import type { FakeServer } from "../testing/fake-server.ts";
import { parseMultipart, startFakeWhisper } from "../testing/fake-whisper.ts";
import type { Backend, InferenceJob } from "../types.ts";
import plugin from "./index.ts";

const audio = new Uint8Array([82, 73, 70, 70, 0, 1, 2, 3, 255, 254]);
const job: InferenceJob = { task: "transcription", id: "t1", model: "whisper-large-v3", audio, filename: "note.wav", mimeType: "audio/wav", language: "en", prompt: "ClawCompute", temperature: 0, responseFormat: "verbose_json" };
const errors = {
  auth: "BACKEND_AUTH",
  "rate-limit": "BACKEND_RATE_LIMITED",
  overloaded: "BACKEND_OVERLOADED",
  "bad-request": "BACKEND_BAD_REQUEST",
  upstream: "BACKEND_UPSTREAM",
  "stream-error": "BACKEND_STREAM_ERROR", // {"error"} in a 200 answer, as whisper.cpp does
  malformed: "BACKEND_MALFORMED",
  truncated: "BACKEND_MALFORMED",
  "ended-early": "BACKEND_MALFORMED",
} as const;

describeConformance({ label: "openai", plugin, start: startFakeWhisper, options: (u) => ({ baseUrl: `${u}/v1` }), job, streaming: false, errors });
describeConformance({ label: "whispercpp", plugin, start: startFakeWhisper, options: (u) => ({ api: "whispercpp", baseUrl: u }), job, streaming: false, errors });

async function withFake(extra: Record<string, unknown>, fn: (fake: FakeServer, b: Backend) => Promise<void>, env = {}): Promise<void> {
  const fake = await startFakeWhisper();
  try {
    const baseUrl = extra.api === "whispercpp" ? fake.url : `${fake.url}/v1`;
    await fn(fake, await createBackend(plugin, { baseUrl, retries: 0, ...extra }, { env }));
  } finally {
    await fake.close();
  }
}

describe("whisper plugin", () => {
  test("openai: multipart upload with model and options; verbose_json gives language, duration, segments", () =>
    withFake({ apiKeyEnv: "GROQ_API_KEY" }, async (fake, backend) => {
      const { chunks, error } = await runJob(backend, job);
      assert.equal(error, undefined);
      assert.deepEqual(chunks, [
        {
          type: "transcript",
          text: "Hello from the fake",
          language: "en",
          duration: 2.5,
          segments: [{ id: 0, start: 0, end: 1.2, text: "Hello from" }, { id: 1, start: 1.2, end: 2.5, text: " the fake" }],
        },
        { type: "usage", finishReason: "stop" },
      ]);
      const r = fake.received[0]!;
      assert.equal(r.path, "/v1/audio/transcriptions");
      assert.equal(r.headers.authorization, "Bearer gsk_x");
      const form = await parseMultipart(r);
      assert.deepEqual(form.file, { name: "note.wav", type: "audio/wav", bytes: audio });
      assert.deepEqual({ ...form, file: undefined }, { file: undefined, model: "whisper-large-v3", response_format: "verbose_json", language: "en", prompt: "ClawCompute", temperature: "0" });
    }, { GROQ_API_KEY: "gsk_x" }));

  test("json answers give the text only", () =>
    withFake({}, async (_fake, backend) => {
      const { chunks } = await runJob(backend, { ...job, responseFormat: "json" });
      assert.deepEqual(chunks, [{ type: "transcript", text: "Hello from the fake" }, { type: "usage", finishReason: "stop" }]);
    }));

  test("whispercpp: /inference without a model field; health reads /health", () =>
    withFake({ api: "whispercpp", model: "ggml-base.en" }, async (fake, backend) => {
      const { chunks } = await runJob(backend, job);
      assert.equal(chunks[0]?.type === "transcript" && chunks[0].text, "Hello from the fake");
      assert.equal(fake.received[0]?.path, "/inference");
      assert.equal((await parseMultipart(fake.received[0]!)).model, undefined);
      assert.deepEqual((await backend.models()).map((m) => m.id), ["ggml-base.en"]);
      assert.deepEqual(await backend.health(), { ok: true });
      fake.setMode("overloaded");
      const health = await backend.health();
      assert.equal(health.ok, false);
      assert.match(health.detail ?? "", /503.*loading model/);
    }));

  test("openai: models from /v1/models", () =>
    withFake({}, async (_fake, backend) => {
      assert.deepEqual((await backend.models()).map((m) => m.id), ["Systran/faster-whisper-small"]);
    }));
});
