import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../loader.ts";
import { describeConformance, runJob } from "../testing/conformance.ts";
import { groqUsage, startFakeOpenAI } from "../testing/fake-openai.ts";
import type { InferenceJob } from "../types.ts";
import plugin from "./index.ts";

const ctx = { env: { GROQ_API_KEY: "gsk_test" } };
const job: InferenceJob = { task: "chat", id: "j1", model: "llama-3.1-8b-instant", messages: [{ role: "user", content: "hi" }], maxTokens: 32, temperature: 0.2, stop: ["\n\n"], seed: 3 };
const options = (url: string) => ({ baseUrl: `${url}/openai/v1` });

describeConformance({
  plugin,
  start: () => startFakeOpenAI("groq"),
  options,
  ctx,
  job,
  streaming: true,
  errors: {
    auth: "BACKEND_AUTH",
    "rate-limit": "BACKEND_RATE_LIMITED",
    overloaded: "BACKEND_OVERLOADED",
    "bad-request": "BACKEND_BAD_REQUEST",
    upstream: "BACKEND_UPSTREAM",
    "stream-error": "BACKEND_STREAM_ERROR",
    malformed: "BACKEND_MALFORMED",
    truncated: "BACKEND_MALFORMED",
    "ended-early": "BACKEND_MALFORMED",
  },
});

describe("groq plugin", () => {
  const expectedUsage = {
    type: "usage",
    promptTokens: 7,
    completionTokens: 4,
    totalTokens: 11,
    timings: { queueMs: 12, promptMs: 2.5, completionMs: 40, totalMs: 42.5 },
    finishReason: "stop",
  };

  test("streams tokens; x_groq.usage seconds become ms; sends key and body as Groq expects", async () => {
    const fake = await startFakeOpenAI("groq");
    try {
      const backend = await createBackend(plugin, { ...options(fake.url), serviceTier: "flex" }, ctx);
      const { chunks, error } = await runJob(backend, job);
      assert.equal(error, undefined);
      assert.deepEqual(chunks.slice(0, -1), fake.reply.map((text) => ({ type: "text", text })));
      assert.deepEqual(chunks.at(-1), expectedUsage);
      const [req] = fake.received;
      assert.equal(req?.path, "/openai/v1/chat/completions");
      assert.equal(req?.headers.authorization, "Bearer gsk_test");
      assert.deepEqual(req?.json, { service_tier: "flex", model: "llama-3.1-8b-instant", stream: true, messages: [{ role: "user", content: "hi" }], max_tokens: 32, temperature: 0.2, stop: ["\n\n"], seed: 3 });
    } finally {
      await fake.close();
    }
  });

  test("non-streaming: one text chunk, top-level usage mapped the same way", async () => {
    const fake = await startFakeOpenAI("groq");
    try {
      const backend = await createBackend(plugin, { ...options(fake.url), stream: false }, ctx);
      const { chunks } = await runJob(backend, job);
      assert.deepEqual(chunks, [{ type: "text", text: fake.reply.join("") }, expectedUsage]);
      assert.equal((fake.received[0]?.json as { stream: boolean }).stream, false);
      assert.ok(groqUsage.total_time * 1000 === expectedUsage.timings.totalMs);
    } finally {
      await fake.close();
    }
  });

  test("a completion job goes out as one user message", async () => {
    const fake = await startFakeOpenAI("groq");
    try {
      const backend = await createBackend(plugin, options(fake.url), ctx);
      await runJob(backend, { task: "completion", id: "c", model: "m", prompt: "Once upon" });
      assert.deepEqual((fake.received[0]?.json as { messages: unknown }).messages, [{ role: "user", content: "Once upon" }]);
    } finally {
      await fake.close();
    }
  });

  test("models and health from GET /models", async () => {
    const fake = await startFakeOpenAI("groq");
    try {
      const backend = await createBackend(plugin, options(fake.url), ctx);
      assert.deepEqual((await backend.models()).map((m) => [m.id, m.ownedBy]), [["fake-model", "fake-owner"], ["fake-model-2", "fake-owner"]]);
      assert.deepEqual(await backend.health(), { ok: true });
      fake.setMode("auth");
      const health = await backend.health();
      assert.equal(health.ok, false);
      assert.match(health.detail ?? "", /groq answered HTTP 401/);
    } finally {
      await fake.close();
    }
  });

  test("a missing API key stops startup naming the variable", async () => {
    await assert.rejects(createBackend(plugin, {}, { env: {} }), { code: "PLUGIN_OPTIONS_INVALID", message: /GROQ_API_KEY/ });
    await assert.rejects(createBackend(plugin, { apiKeyEnv: "MY_GROQ" }, { env: { GROQ_API_KEY: "x" } }), /MY_GROQ/);
  });
});
