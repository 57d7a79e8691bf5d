import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../loader.ts";
import { describeConformance, runJob } from "../testing/conformance.ts";
import type { FakeServer } from "../testing/fake-server.ts";
import { startFakeTGI } from "../testing/fake-tgi.ts";
import type { Backend, InferenceJob } from "../types.ts";
import plugin from "./index.ts";

const job: InferenceJob = { task: "completion", id: "j1", model: "bigscience/bloom-560m", prompt: "What is Deep Learning?", maxTokens: 20, temperature: 0, topP: 0.95, seed: 5, stop: ["\n"] };
const chatJob: InferenceJob = { task: "chat", id: "j2", model: "tgi", messages: [{ role: "user", content: "hi" }] };
const options = (url: string) => ({ baseUrl: url });
// TGI has no rate-limit status of its own: its 429 means overloaded.
const errors = {
  auth: "BACKEND_AUTH",
  overloaded: "BACKEND_OVERLOADED",
  "bad-request": "BACKEND_BAD_REQUEST",
  upstream: "BACKEND_UPSTREAM",
  "stream-error": "BACKEND_STREAM_ERROR",
  malformed: "BACKEND_MALFORMED",
  truncated: "BACKEND_MALFORMED",
  "ended-early": "BACKEND_MALFORMED",
} as const;
const statuses = { overloaded: 429, "bad-request": 422, upstream: 424 };

describeConformance({ plugin, start: startFakeTGI, options, job, streaming: true, errors, statuses });
describeConformance({ label: "non-streaming /generate", plugin, start: startFakeTGI, options: (u) => ({ baseUrl: u, stream: false }), job, streaming: false, errors, statuses });
describeConformance({ label: "chat", plugin, start: startFakeTGI, options, job: chatJob, streaming: true, errors, statuses });

async function withFake(extra: Record<string, unknown>, fn: (fake: FakeServer, b: Backend) => Promise<void>): Promise<void> {
  const fake = await startFakeTGI();
  try {
    await fn(fake, await createBackend(plugin, { baseUrl: fake.url, retries: 0, ...extra }));
  } finally {
    await fake.close();
  }
}

describe("tgi plugin", () => {
  test("/generate_stream: tokens without the special EOS, final details; TGI's parameter names", () =>
    withFake({}, async (fake, backend) => {
      const { chunks, error } = await runJob(backend, job);
      assert.equal(error, undefined);
      assert.deepEqual(chunks.slice(0, -1).map((c) => c.type === "text" && c.text), fake.reply);
      assert.deepEqual(chunks.at(-1), { type: "usage", completionTokens: 5, finishReason: "stop" });
      assert.equal(fake.received[0]?.path, "/generate_stream");
      // temperature 0 is left out: TGI refuses it, and greedy is its default
      assert.deepEqual(fake.received[0]?.json, { inputs: "What is Deep Learning?", parameters: { details: true, max_new_tokens: 20, top_p: 0.95, stop: ["\n"], seed: 5 } });
    }));

  test("/generate: the x-* headers give token counts and ms timings", () =>
    withFake({ stream: false }, async (fake, backend) => {
      const { chunks } = await runJob(backend, { ...job, temperature: 0.7 });
      assert.deepEqual(chunks, [
        { type: "text", text: "Hello from the fake" },
        { type: "usage", promptTokens: 5, completionTokens: 5, totalTokens: 10, timings: { queueMs: 12, completionMs: 237, totalMs: 250 }, finishReason: "length" },
      ]);
      assert.equal(fake.received[0]?.path, "/generate");
      assert.equal((fake.received[0]?.json as { parameters: { temperature: number } }).parameters.temperature, 0.7);
    }));

  test("chat jobs use /v1/chat/completions with include_usage, streamed and not", async () => {
    for (const stream of [true, false]) {
      await withFake({ stream }, async (fake, backend) => {
        const { chunks } = await runJob(backend, chatJob);
        assert.equal(chunks.filter((c) => c.type === "text").map((c) => (c.type === "text" ? c.text : "")).join(""), "Hello from the fake");
        assert.deepEqual(chunks.at(-1), { type: "usage", promptTokens: 11, completionTokens: 4, totalTokens: 15, finishReason: "stop" });
        assert.equal(fake.received[0]?.path, "/v1/chat/completions");
      });
    }
  });

  test("models from /info; health from /health (503 -> not ok)", () =>
    withFake({}, async (fake, backend) => {
      const [m] = await backend.models();
      assert.equal(m?.id, "bigscience/bloom-560m");
      assert.equal(m?.contextLength, 2048);
      assert.deepEqual(await backend.health(), { ok: true });
      fake.setMode("overloaded");
      assert.equal((await backend.health()).ok, false);
    }));
});
