/**
 * The promise of plugins/README.md: a plugin written from that page alone, dropped into a plugins
 * folder, is loaded and serves a job. The plugins' sources are the README's examples (text; tools), verbatim.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createBackend, listLocalPlugins, loadPlugin } from "./loader.ts";
import { readmeBlock } from "./testing/readme.ts";
import { runJob } from "./testing/conformance.ts";

// Inside the project (under the git-ignored .claw/), as a dropped-in folder would be, so that
// `clawcompute/plugin` resolves the way it does for a real plugins/ folder (package self-reference).
const project = resolve(import.meta.dirname, "..");
mkdirSync(join(project, ".claw"), { recursive: true });
const root = mkdtempSync(join(project, ".claw", "drop-in-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("the README's example, dropped into plugins/, loads and serves a job", async () => {
  mkdirSync(join(root, "plugins", "shout"), { recursive: true });
  writeFileSync(join(root, "plugins", "shout", "index.ts"), readmeBlock("example"));
  assert.deepEqual(listLocalPlugins({ root }), ["shout"]);

  const plugin = await loadPlugin("shout", { root });
  assert.equal(plugin.name, "shout");
  assert.equal(plugin.kind, "text");
  const backend = await createBackend(plugin, { suffix: "?!" });
  assert.deepEqual(await backend.health(), { ok: true });
  assert.deepEqual((await backend.models()).map((m) => m.id), ["shout"]);

  const { chunks, error } = await runJob(backend, { task: "chat", id: "j1", model: "shout", messages: [{ role: "user", content: "hello plugin world" }] });
  assert.equal(error, undefined);
  assert.deepEqual(chunks, [
    { type: "text", text: "HELLO" },
    { type: "text", text: " PLUGIN" },
    { type: "text", text: " WORLD?!" },
    { type: "usage", completionTokens: 3, finishReason: "stop" },
  ]);

  // Aborting mid-job ends it with JOB_ABORTED; bad options name the field.
  const slow = await createBackend(plugin, { delayMs: 50 });
  const ac = new AbortController();
  const it = slow.infer({ task: "completion", id: "j2", model: "shout", prompt: "a b c d e" }, ac.signal)[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  ac.abort();
  await assert.rejects(it.next(), { code: "JOB_ABORTED" });
  await assert.rejects(createBackend(plugin, { delayMs: -1 }), { code: "PLUGIN_OPTIONS_INVALID", message: /Plugin "shout" options are invalid: delayMs: / });
  const image = await runJob(backend, { task: "image", id: "j3", model: "shout", prompt: "x" });
  assert.equal(image.error?.code, "BACKEND_BAD_REQUEST");
});

test("the README's tools example, dropped in: declares tools only, calls add, answers the tool result; images refused", async () => {
  mkdirSync(join(root, "plugins", "calc"), { recursive: true });
  writeFileSync(join(root, "plugins", "calc", "index.ts"), readmeBlock("tools-example"));
  const plugin = await loadPlugin("calc", { root });
  assert.deepEqual(plugin.capabilities, { tools: true, images: false, json: false });
  const backend = await createBackend(plugin, {});
  assert.deepEqual(backend.capabilities, { tools: true, images: false, json: false });
  const tools = [{ name: "add", parameters: { type: "object" } }];
  const ask = { role: "user" as const, content: "add 2 and 40" };
  const call = await runJob(backend, { task: "chat", id: "j1", model: "calc", tools, messages: [ask] });
  assert.equal(call.error, undefined);
  assert.deepEqual(call.chunks, [
    { type: "tool_call", index: 0, id: "call_j1", name: "add", arguments: "" },
    { type: "tool_call", index: 0, arguments: '{"a":2,"b":40}' },
    { type: "usage", completionTokens: 2, finishReason: "tool_calls" },
  ]);
  const answer = await runJob(backend, {
    task: "chat", id: "j2", model: "calc", tools,
    messages: [ask, { role: "assistant", content: null, toolCalls: [{ id: "call_j1", name: "add", arguments: '{"a":2,"b":40}' }] }, { role: "tool", content: "42", toolCallId: "call_j1" }],
  });
  assert.equal(answer.chunks[0]?.type === "text" && answer.chunks[0].text, "The sum is 42.");
  const image = await runJob(backend, { task: "chat", id: "j3", model: "calc", messages: [{ role: "user", content: [{ type: "image", mimeType: "image/png", base64: "AA==" }] }] });
  assert.equal(image.error?.code, "CAPABILITY_MISSING");
});
