/**
 * Deno smoke check: the loader, echo and the HTTP helpers (via ollama, tgi and whisper against
 * their fakes) under Deno, abort closing the upstream connection included. Not part of `npm test`
 * (Deno is not a project dependency); run with a Deno 2 binary:
 *   deno run -A plugins/testing/deno-smoke.ts     (prints "deno smoke: ok")
 */
import assert from "node:assert/strict";
import { createBackend, loadPlugin } from "../loader.ts";
import type { Backend, Chunk, InferenceJob } from "../types.ts";
import { startFakeOllama } from "./fake-ollama.ts";
import { startFakeTGI } from "./fake-tgi.ts";
import { startFakeWhisper } from "./fake-whisper.ts";

const root = new URL("../..", import.meta.url).pathname;
async function run(b: Backend, job: InferenceJob): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of b.infer(job, new AbortController().signal)) out.push(c);
  return out;
}
const text = (cs: Chunk[]): string => cs.map((c) => (c.type === "text" ? c.text : "")).join("");
const chat: InferenceJob = { task: "chat", id: "1", model: "m", messages: [{ role: "user", content: "hello deno" }] };

const echo = await createBackend(await loadPlugin("echo", { root }), { tokensPerSecond: 0 });
assert.equal(text(await run(echo, chat)), "hello deno");
assert.equal((await run(echo, { task: "image", id: "2", model: "echo", prompt: "x", width: 4, height: 4 }))[0]?.type, "image");

const ollamaFake = await startFakeOllama();
const ollama = await createBackend(await loadPlugin("ollama", { root }), { baseUrl: ollamaFake.url });
const chunks = await run(ollama, chat);
assert.equal(text(chunks), "Hello from the fake");
assert.deepEqual(chunks.at(-1), { type: "usage", promptTokens: 26, completionTokens: 4, totalTokens: 30, timings: { totalMs: 1500, loadMs: 250, promptMs: 130, completionMs: 1000.5 }, finishReason: "stop" });
ollamaFake.setMode("stall");
const ac = new AbortController();
const it = ollama.infer(chat, ac.signal)[Symbol.asyncIterator]();
await it.next();
ac.abort();
await assert.rejects(it.next(), { code: "JOB_ABORTED" });
await ollamaFake.waitForClientClose();
await ollamaFake.close();

const tgiFake = await startFakeTGI();
const tgi = await createBackend(await loadPlugin("tgi", { root }), { baseUrl: tgiFake.url });
assert.equal(text(await run(tgi, { task: "completion", id: "3", model: "m", prompt: "hi" })), "Hello from the fake");
await tgiFake.close();

const whisperFake = await startFakeWhisper();
const whisper = await createBackend(await loadPlugin("whisper", { root }), { api: "whispercpp", baseUrl: whisperFake.url });
const [transcript] = await run(whisper, { task: "transcription", id: "4", model: "w", audio: new Uint8Array([1, 2, 3]), filename: "a.wav", mimeType: "audio/wav", responseFormat: "json" });
assert.deepEqual(transcript, { type: "transcript", text: "Hello from the fake" });
await whisperFake.close();
console.log("deno smoke: ok");
