import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../loader.ts";
import { describeConformance, runJob } from "../testing/conformance.ts";
import { startFakeOllama } from "../testing/fake-ollama.ts";
import type { FakeServer } from "../testing/fake-server.ts";
import type { Backend, InferenceJob } from "../types.ts";
import plugin from "./index.ts";

const job: InferenceJob = { task: "chat", id: "j1", model: "llama3.2", messages: [{ role: "user", content: "hi" }], maxTokens: 64, temperature: 0.7, seed: 42, stop: ["User:"] };
const options = (url: string) => ({ baseUrl: url });
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

describeConformance({ plugin, start: startFakeOllama, options, job, streaming: true, errors, toolWire: "ollama" });
describeConformance({ label: "non-streaming", plugin, start: startFakeOllama, options: (u) => ({ baseUrl: u, stream: false }), job, streaming: false, errors, toolWire: "ollama" });

// Nanoseconds from the fake's last line, in ms: 1.5 s total, 250 ms load, 130 ms prompt, 1000.5 ms generation.
const expectedUsage = {
  type: "usage",
  promptTokens: 26,
  completionTokens: 4,
  totalTokens: 30,
  timings: { totalMs: 1500, loadMs: 250, promptMs: 130, completionMs: 1000.5 },
  finishReason: "stop",
};

async function withFake(extra: Record<string, unknown>, fn: (fake: FakeServer, b: Backend) => Promise<void>): Promise<void> {
  const fake = await startFakeOllama();
  try {
    await fn(fake, await createBackend(plugin, { baseUrl: fake.url, retries: 0, ...extra }));
  } finally {
    await fake.close();
  }
}

describe("ollama plugin", () => {
  test("chat streams message.content; ns durations become ms; options sent as Ollama names them", () =>
    withFake({ keepAlive: "10m", numCtx: 8192 }, async (fake, backend) => {
      const { chunks } = await runJob(backend, job);
      assert.deepEqual(chunks.slice(0, -1).map((c) => c.type === "text" && c.text), fake.reply);
      assert.deepEqual(chunks.at(-1), expectedUsage);
      assert.equal(fake.received[0]?.path, "/api/chat");
      assert.deepEqual(fake.received[0]?.json, {
        model: "llama3.2",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
        options: { temperature: 0.7, num_predict: 64, seed: 42, stop: ["User:"], num_ctx: 8192 },
        keep_alive: "10m",
      });
    }));

  test("completion jobs use /api/generate and its `response` field, streamed or not", async () => {
    for (const stream of [true, false]) {
      await withFake({ stream }, async (fake, backend) => {
        const { chunks } = await runJob(backend, { task: "completion", id: "c", model: "llama3.2", prompt: "Why is the sky blue?" });
        assert.equal(chunks.filter((c) => c.type === "text").map((c) => (c.type === "text" ? c.text : "")).join(""), "Hello from the fake");
        assert.deepEqual(chunks.at(-1), expectedUsage);
        assert.equal(fake.received[0]?.path, "/api/generate");
        assert.deepEqual(fake.received[0]?.json, { model: "llama3.2", stream, prompt: "Why is the sky blue?" });
      });
    }
  });

  test("models from /api/tags with their details; health from /api/version", () =>
    withFake({}, async (_fake, backend) => {
      const [m] = await backend.models();
      assert.equal(m?.id, "llama3.2:latest");
      assert.equal(m?.details?.quantization_level, "Q4_K_M");
      assert.equal(m?.details?.size, 2019393189);
      assert.deepEqual(await backend.health(), { ok: true });
    }));

  test("an error line inside the 200 stream keeps Ollama's message", () =>
    withFake({}, async (fake, backend) => {
      fake.setMode("stream-error");
      const { chunks, error } = await runJob(backend, job);
      assert.deepEqual(chunks, [{ type: "text", text: "Hello" }]);
      assert.equal(error?.message, "ollama reported an error in its response: [fake:stream-error] an error was encountered while running the model");
    }));
  test("chat mapping: text parts joined, images as bare base64, developer as system, JSON output as format, tool_choice none leaves tools out", () =>
    withFake({}, async (fake, backend) => {
      const tool = { name: "get_weather", parameters: { type: "object" } };
      const schema = { type: "object", properties: { a: { type: "string" } } };
      const rich: InferenceJob = {
        task: "chat", id: "j9", model: "llava",
        messages: [
          { role: "developer", content: "be terse" },
          { role: "user", content: [{ type: "text", text: "what" }, { type: "image", mimeType: "image/png", base64: "iVBORw0K" }, { type: "text", text: "is it" }] },
        ],
        responseFormat: { type: "json_schema", name: "s", schema }, tools: [tool], toolChoice: "none", presencePenalty: 0.5,
      };
      const { error } = await runJob(backend, rich);
      assert.equal(error, undefined, error?.message);
      const sent = fake.received[0]?.json as Record<string, unknown>;
      assert.deepEqual(sent.messages, [{ role: "system", content: "be terse" }, { role: "user", content: "what\nis it", images: ["iVBORw0K"] }]);
      assert.deepEqual(sent.format, schema);
      assert.equal(sent.tools, undefined, "tool_choice none: no tools sent");
      assert.deepEqual(sent.options, { presence_penalty: 0.5 });
      await runJob(backend, { ...rich, responseFormat: { type: "json_object" }, toolChoice: { name: "get_weather" }, tools: [tool, { name: "other" }] } as InferenceJob);
      const second = fake.received[1]?.json as Record<string, unknown>;
      assert.equal(second.format, "json");
      assert.deepEqual(second.tools, [{ type: "function", function: tool }], "a named choice sends only that tool");
    }));
});
