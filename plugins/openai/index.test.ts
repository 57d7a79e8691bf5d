import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../loader.ts";
import { describeConformance, runJob } from "../testing/conformance.ts";
import { startFakeOpenAI, type OpenAIFlavor } from "../testing/fake-openai.ts";
import type { FakeServer } from "../testing/fake-server.ts";
import type { Backend, InferenceJob } from "../types.ts";
import plugin from "./index.ts";

const job: InferenceJob = { task: "chat", id: "j1", model: "fake-model", messages: [{ role: "system", content: "terse" }, { role: "user", content: "hi" }], topP: 0.9 };
const options = (url: string) => ({ baseUrl: `${url}/v1` });
const errors = {
  auth: "BACKEND_AUTH",
  "rate-limit": "BACKEND_RATE_LIMITED",
  overloaded: "BACKEND_OVERLOADED",
  "bad-request": "BACKEND_BAD_REQUEST",
  upstream: "BACKEND_UPSTREAM",
  "stream-error": "BACKEND_STREAM_ERROR",
  malformed: "BACKEND_MALFORMED",
  truncated: "BACKEND_MALFORMED",
  "ended-early": "BACKEND_MALFORMED",
} as const;

describeConformance({ plugin, start: () => startFakeOpenAI("openai"), options, job, streaming: true, errors });
describeConformance({
  label: "non-streaming",
  plugin,
  start: () => startFakeOpenAI("openai"),
  options: (url) => ({ ...options(url), stream: false }),
  job,
  streaming: false,
  errors: { ...errors, "ended-early": "BACKEND_MALFORMED" },
});

async function withFake(flavor: OpenAIFlavor, extra: Record<string, unknown>, fn: (fake: FakeServer, b: Backend) => Promise<void>, env = {}): Promise<void> {
  const fake = await startFakeOpenAI(flavor);
  try {
    await fn(fake, await createBackend(plugin, { ...options(fake.url), retries: 0, ...extra }, { env }));
  } finally {
    await fake.close();
  }
}

describe("openai plugin", () => {
  test("streams with stream_options.include_usage and reads the final usage chunk", () =>
    withFake("openai", {}, async (fake, backend) => {
      const { chunks } = await runJob(backend, job);
      assert.deepEqual(chunks.slice(0, -1).map((c) => c.type === "text" && c.text), fake.reply);
      assert.deepEqual(chunks.at(-1), { type: "usage", promptTokens: 9, completionTokens: 4, totalTokens: 13, finishReason: "stop" });
      assert.deepEqual(fake.received[0]?.json, { model: "fake-model", stream: true, messages: [{ role: "system", content: "terse" }, { role: "user", content: "hi" }], top_p: 0.9, stream_options: { include_usage: true } });
      assert.equal(fake.received[0]?.path, "/v1/chat/completions");
      assert.equal(fake.received[0]?.headers.authorization, undefined, "no key configured, none sent");
    }));

  test("includeUsage: false leaves stream_options out (usage then has only the finish reason)", () =>
    withFake("openai", { includeUsage: false }, async (fake, backend) => {
      const { chunks } = await runJob(backend, job);
      assert.deepEqual(chunks.at(-1), { type: "usage", finishReason: "stop" });
      assert.equal((fake.received[0]?.json as Record<string, unknown>).stream_options, undefined);
    }));

  test("llama.cpp timings become prompt/completion ms", () =>
    withFake("llamacpp", {}, async (_fake, backend) => {
      const { chunks } = await runJob(backend, job);
      assert.deepEqual(chunks.at(-1), { type: "usage", promptTokens: 9, completionTokens: 4, totalTokens: 13, timings: { promptMs: 12.5, completionMs: 80.25 }, finishReason: "stop" });
    }));

  test("non-streaming chat and a completion job on /v1/completions", () =>
    withFake("llamacpp", { stream: false }, async (fake, backend) => {
      const chat = await runJob(backend, job);
      assert.deepEqual(chat.chunks, [
        { type: "text", text: "Hello from the fake" },
        { type: "usage", promptTokens: 9, completionTokens: 4, totalTokens: 13, timings: { promptMs: 12.5, completionMs: 80.25 }, finishReason: "stop" },
      ]);
      const done = await runJob(backend, { task: "completion", id: "c", model: "fake-model", prompt: "Once", maxTokens: 5 });
      assert.equal(done.chunks[0]?.type === "text" && done.chunks[0].text, "Hello from the fake");
      assert.equal(fake.received[1]?.path, "/v1/completions");
      assert.deepEqual(fake.received[1]?.json, { model: "fake-model", stream: false, prompt: "Once", max_tokens: 5 });
    }));

  test("streamed completion job reads choices[].text", () =>
    withFake("openai", {}, async (fake, backend) => {
      const { chunks, error } = await runJob(backend, { task: "completion", id: "c", model: "fake-model", prompt: "Once" });
      assert.equal(error, undefined);
      assert.deepEqual(chunks.filter((c) => c.type === "text").map((c) => c.type === "text" && c.text), fake.reply);
      assert.equal(chunks.at(-1)?.type, "usage");
    }));

  test("old vLLM's flat error objects, as HTTP errors and inside the stream", () =>
    withFake("vllm-old", {}, async (fake, backend) => {
      fake.setMode("bad-request");
      const bad = await runJob(backend, job);
      assert.equal(bad.error?.code, "BACKEND_BAD_REQUEST");
      assert.match(bad.error?.message ?? "", /openai answered HTTP 400: \[fake:bad-request\] something went wrong/);
      fake.setMode("stream-error");
      const mid = await runJob(backend, job);
      assert.equal(mid.error?.code, "BACKEND_STREAM_ERROR");
      assert.match(mid.error?.message ?? "", /\[fake:stream-error\]/);
    }));

  test("an API key from apiKeyEnv is sent as a bearer token; models from /v1/models", () =>
    withFake("openai", { apiKeyEnv: "VLLM_KEY" }, async (fake, backend) => {
      assert.deepEqual((await backend.models()).map((m) => m.id), ["fake-model", "fake-model-2"]);
      assert.equal(fake.received[0]?.headers.authorization, "Bearer k-123");
      assert.equal(fake.received[0]?.path, "/v1/models");
    }, { VLLM_KEY: "k-123" }));
  test("chat mapping: image parts as data: URLs, developer as system, tool_choice, response_format, penalties and user passed through", () =>
    withFake("openai", {}, async (fake, backend) => {
      const rich: InferenceJob = {
        task: "chat", id: "j9", model: "fake-model",
        messages: [{ role: "developer", content: "be terse" }, { role: "user", content: [{ type: "text", text: "what" }, { type: "image", mimeType: "image/jpeg", base64: "/9j/4A==", detail: "low" }] }],
        tools: [{ name: "f", parameters: { type: "object" } }], toolChoice: { name: "f" }, parallelToolCalls: false,
        responseFormat: { type: "json_object" }, presencePenalty: 0.1, frequencyPenalty: 0.2, user: "u-7",
      };
      await runJob(backend, rich);
      const sent = fake.received[0]?.json as Record<string, unknown>;
      assert.deepEqual(sent.messages, [
        { role: "system", content: "be terse" },
        { role: "user", content: [{ type: "text", text: "what" }, { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4A==", detail: "low" } }] },
      ]);
      assert.deepEqual(sent.tool_choice, { type: "function", function: { name: "f" } });
      assert.deepEqual([sent.parallel_tool_calls, sent.response_format, sent.presence_penalty, sent.frequency_penalty, sent.user], [false, { type: "json_object" }, 0.1, 0.2, "u-7"]);
    }));

  test("capabilities: the plugin's declaration, narrowed by the option; a job needing a missing one is refused before any request", () =>
    withFake("openai", { capabilities: { tools: false } }, async (fake, backend) => {
      assert.deepEqual(backend.capabilities, { tools: false, images: true, json: true });
      const { error } = await runJob(backend, { ...job, tools: [{ name: "f" }] } as InferenceJob);
      assert.equal(error?.code, "CAPABILITY_MISSING");
      assert.equal(error?.details?.param, "tools");
      assert.equal(fake.received.length, 0);
    }));
});
