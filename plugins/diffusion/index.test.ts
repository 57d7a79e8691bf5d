import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createBackend } from "../loader.ts";
import { describeConformance, runJob } from "../testing/conformance.ts";
import { startFakeDiffusion, tinyPngBase64 } from "../testing/fake-diffusion.ts";
import type { FakeServer } from "../testing/fake-server.ts";
import type { Backend, InferenceJob } from "../types.ts";
import plugin from "./index.ts";

const job: InferenceJob = { task: "image", id: "i1", model: "v1-5-pruned-emaonly", prompt: "a lighthouse at dusk", negativePrompt: "blurry", size: "512x768", steps: 25, seed: 42, n: 2 };
const errors = {
  auth: "BACKEND_AUTH",
  "rate-limit": "BACKEND_RATE_LIMITED",
  overloaded: "BACKEND_OVERLOADED",
  "bad-request": "BACKEND_BAD_REQUEST",
  upstream: "BACKEND_UPSTREAM",
  "stream-error": "BACKEND_STREAM_ERROR", // an error object in a 200 answer
  malformed: "BACKEND_MALFORMED",
  truncated: "BACKEND_MALFORMED",
  "ended-early": "BACKEND_MALFORMED",
} as const;
const statuses = { "bad-request": 422 };
const png = Buffer.from(tinyPngBase64, "base64");

describeConformance({ label: "a1111", plugin, start: startFakeDiffusion, options: (u) => ({ baseUrl: u }), job, streaming: false, errors, statuses });
describeConformance({ label: "openai images", plugin, start: startFakeDiffusion, options: (u) => ({ api: "openai", baseUrl: `${u}/v1` }), job, streaming: false, errors, statuses });

async function withFake(extra: Record<string, unknown>, fn: (fake: FakeServer, b: Backend) => Promise<void>, env = {}): Promise<void> {
  const fake = await startFakeDiffusion();
  try {
    const baseUrl = extra.api === "openai" ? `${fake.url}/v1` : fake.url;
    await fn(fake, await createBackend(plugin, { baseUrl, retries: 0, ...extra }, { env }));
  } finally {
    await fake.close();
  }
}

describe("diffusion plugin", () => {
  test("a1111: txt2img body, PNG bytes per image, parsed info and parameters", () =>
    withFake({ cfgScale: 7, samplerName: "Euler a" }, async (fake, backend) => {
      const { chunks, error } = await runJob(backend, job);
      assert.equal(error, undefined);
      assert.deepEqual(chunks.map((c) => c.type), ["image", "image", "usage"]);
      const first = chunks[0]!;
      assert.ok(first.type === "image");
      if (first.type !== "image") return;
      assert.deepEqual(Buffer.from(first.png), png);
      assert.equal(first.mimeType, "image/png");
      const info = first.info as { index: number; info: { seed: number; all_seeds: number[] }; parameters: { prompt: string } };
      assert.equal(info.index, 0);
      assert.deepEqual(info.info.all_seeds, [42, 43]);
      assert.equal(info.parameters.prompt, "a lighthouse at dusk");
      assert.equal(fake.received[0]?.path, "/sdapi/v1/txt2img");
      assert.deepEqual(fake.received[0]?.json, {
        prompt: "a lighthouse at dusk", batch_size: 2, n_iter: 1, seed: 42, negative_prompt: "blurry", steps: 25, width: 512, height: 768, cfg_scale: 7, sampler_name: "Euler a",
      });
    }));

  test("openai: b64_json images, revised prompt, token usage, bearer key", () =>
    withFake({ api: "openai", apiKeyEnv: "IMG_KEY" }, async (fake, backend) => {
      const { chunks } = await runJob(backend, { ...job, model: "dall-e-2" });
      assert.deepEqual(chunks.map((c) => c.type), ["image", "image", "usage"]);
      assert.deepEqual((chunks[1] as { info: unknown }).info, { index: 1, created: 1732400000, revisedPrompt: "revised: a lighthouse at dusk" });
      assert.deepEqual(chunks.at(-1), { type: "usage", promptTokens: 12, completionTokens: 272, totalTokens: 284, finishReason: "stop" });
      assert.deepEqual(fake.received[0]?.json, { model: "dall-e-2", prompt: "a lighthouse at dusk", n: 2, size: "512x768", response_format: "b64_json" });
      assert.equal(fake.received[0]?.headers.authorization, "Bearer sk-img");
    }, { IMG_KEY: "sk-img" }));

  test("an image that is not a PNG is a malformed answer", async () => {
    for (const api of ["a1111", "openai"]) {
      await withFake({ api }, async (_fake, backend) => {
        const { error } = await runJob(backend, { ...job, prompt: "jpeg please" });
        assert.equal(error?.code, "BACKEND_MALFORMED");
        assert.match(error?.message ?? "", /image 0 is not a PNG/);
      });
    }
  });

  test("models and health for both APIs", async () => {
    await withFake({}, async (_fake, backend) => {
      assert.deepEqual((await backend.models()).map((m) => m.id), ["v1-5-pruned-emaonly"]);
      assert.deepEqual(await backend.health(), { ok: true });
    });
    await withFake({ api: "openai" }, async (_fake, backend) => {
      assert.deepEqual((await backend.models()).map((m) => m.id), ["dall-e-2"]);
      assert.deepEqual(await backend.health(), { ok: true });
    });
  });

  test("text jobs are refused (kind image)", () =>
    withFake({}, async (_fake, backend) => {
      const { error } = await runJob(backend, { task: "completion", id: "x", model: "m", prompt: "hi" });
      assert.equal(error?.code, "BACKEND_BAD_REQUEST");
    }));
});
