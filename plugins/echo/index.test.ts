import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { resolve } from "node:path";
import { createBackend, loadPlugin } from "../loader.ts";
import type { Backend, Chunk, InferenceJob } from "../types.ts";

const root = resolve(import.meta.dirname, "../..");
const plugin = await loadPlugin("echo", { root });

async function collect(backend: Backend, job: InferenceJob, signal = new AbortController().signal): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of backend.infer(job, signal)) out.push(c);
  return out;
}
const text = (chunks: Chunk[]): string => chunks.map((c) => (c.type === "text" ? c.text : "")).join("");
const chat = (content: string, extra: object = {}): InferenceJob => ({ task: "chat", id: "j1", model: "echo", messages: [{ role: "system", content: "be brief" }, { role: "user", content }], ...extra });

describe("echo plugin", () => {
  test("streams the last user message word by word and ends with usage", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const chunks = await collect(backend, chat("hello  big world"));
    assert.deepEqual(chunks.slice(0, 3), [{ type: "text", text: "hello" }, { type: "text", text: " big" }, { type: "text", text: " world" }]);
    const usage = chunks.at(-1)!;
    assert.equal(usage.type, "usage");
    assert.equal(chunks.length, 4);
    if (usage.type !== "usage") return;
    assert.equal(usage.promptTokens, 5); // "be brief" + "hello big world"
    assert.equal(usage.completionTokens, 3);
    assert.equal(usage.totalTokens, 8);
    assert.equal(usage.finishReason, "stop");
  });

  test("maxTokens is a ceiling: it cuts the words (length) and never pads or repeats them (stop)", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const job: InferenceJob = { task: "completion", id: "j2", model: "echo", prompt: "a b c", maxTokens: 2 };
    const cut = await collect(backend, job);
    assert.equal(text(cut), "a b");
    assert.equal(text(await collect(backend, job)), "a b", "deterministic");
    const finish = (chunks: Chunk[]) => { const u = chunks.at(-1); return u?.type === "usage" ? u.finishReason : undefined; };
    assert.equal(finish(cut), "length");
    // An agent sends max_tokens 4096 with every request: echo still says its text once and stops.
    const roomy = await collect(backend, { ...job, maxTokens: 4096 });
    assert.equal(text(roomy), "a b c");
    assert.equal(finish(roomy), "stop");
    assert.equal(text(await collect(backend, { ...job, prompt: "   ", maxTokens: undefined })), "echo");
  });

  test("paces tokens at tokensPerSecond", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 20 });
    const started = Date.now();
    await collect(backend, chat("one two three four five"));
    // 5 tokens at 20/s: the last is due 200 ms after the first (a lower bound; timers never run early by much).
    assert.ok(Date.now() - started >= 180, `took ${Date.now() - started} ms`);
  });

  test("abort mid-stream ends with JOB_ABORTED, or with the ClawError given as reason", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 5 });
    const ac = new AbortController();
    const seen: Chunk[] = [];
    await assert.rejects(async () => {
      for await (const c of backend.infer(chat("w1 w2 w3 w4 w5 w6"), ac.signal)) {
        seen.push(c);
        ac.abort();
      }
    }, { code: "JOB_ABORTED" });
    assert.equal(seen.length, 1);
    const { ClawError } = await import("../../runtime/core/errors.ts");
    const ac2 = new AbortController();
    ac2.abort(new ClawError("JOB_BUDGET_CUT"));
    await assert.rejects(collect(backend, chat("x"), ac2.signal), { code: "JOB_BUDGET_CUT" });
  });

  test("models say it is an echo test backend; health is ok", async () => {
    const backend = await createBackend(plugin, { models: ["echo", "echo-slow"] });
    const models = await backend.models();
    assert.deepEqual(models.map((m) => m.id), ["echo", "echo-slow"]);
    for (const m of models) assert.match(m.description ?? "", /test backend \(not a real model\)/);
    assert.equal((await backend.health()).ok, true);
  });

  test("image jobs give valid, deterministic PNGs of the asked size", async () => {
    const backend = await createBackend(plugin, {});
    const job: InferenceJob = { task: "image", id: "i1", model: "echo", prompt: "a red fox", width: 16, height: 8, n: 2 };
    const chunks = await collect(backend, job);
    assert.deepEqual(chunks.map((c) => c.type), ["image", "image", "usage"]);
    const img = chunks[0]!;
    assert.ok(img.type === "image");
    if (img.type !== "image") return;
    assert.deepEqual([...img.png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
    const view = new DataView(img.png.buffer, img.png.byteOffset);
    assert.equal(view.getUint32(16), 16);
    assert.equal(view.getUint32(20), 8);
    const idatLength = view.getUint32(33);
    const raw = inflateSync(img.png.subarray(41, 41 + idatLength));
    assert.equal(raw.length, 8 * (1 + 16 * 3));
    const again = await collect(backend, job);
    assert.deepEqual(again[0], img);
    assert.notDeepEqual(chunks[1], img, "the second image uses the next seed");
    const other = await collect(backend, { ...job, prompt: "a blue fox" });
    assert.notDeepEqual(other[0], img);
  });

  test("transcription jobs describe the upload; verbose_json reads a WAV's duration", async () => {
    const backend = await createBackend(plugin, {});
    const wav = new Uint8Array(44 + 32000);
    wav.set(new TextEncoder().encode("RIFF"), 0);
    wav.set(new TextEncoder().encode("WAVE"), 8);
    new DataView(wav.buffer).setUint32(28, 32000, true); // 16 kHz mono 16-bit
    const job: InferenceJob = { task: "transcription", id: "t1", model: "echo", audio: wav, filename: "a.wav", mimeType: "audio/wav", responseFormat: "verbose_json" };
    const [t, usage] = await collect(backend, job);
    assert.equal(usage?.type, "usage");
    assert.ok(t?.type === "transcript");
    if (t?.type !== "transcript") return;
    assert.match(t.text, /^Echo transcript of a\.wav: 32044 bytes, checksum [0-9a-f]{8}\.$/);
    assert.equal(t.duration, 1);
    assert.equal(t.language, "en");
    assert.equal(t.segments?.length, 1);
    const [plain] = await collect(backend, { ...job, responseFormat: "json" });
    assert.deepEqual(plain, { type: "transcript", text: t.text });
  });

  test("bad options are refused with the field path", async () => {
    await assert.rejects(createBackend(plugin, { tokensPerSecond: -1 }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "PLUGIN_OPTIONS_INVALID");
      assert.match(err.message, /Plugin "echo" options are invalid: tokensPerSecond: /);
      return true;
    });
    await assert.rejects(createBackend(plugin, { tokenPerSecond: 5 }), /Unrecognized key.*tokenPerSecond/);
  });
});
