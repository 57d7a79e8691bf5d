import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { createBackend, loadPlugin } from "../loader.ts";
import { assembleCalls, weatherTool } from "../testing/conformance-tools.ts";
import type { Backend, ChatJob, Chunk } from "../types.ts";
import { fillSchema } from "./tools.ts";

const plugin = await loadPlugin("echo", { root: resolve(import.meta.dirname, "../..") });

async function collect(backend: Backend, job: ChatJob): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of backend.infer(job, new AbortController().signal)) out.push(c);
  return out;
}
const text = (chunks: Chunk[]) => chunks.map((c) => (c.type === "text" ? c.text : "")).join("");
const usage = (chunks: Chunk[]) => chunks.at(-1) as Extract<Chunk, { type: "usage" }>;
const chat = (content: string, extra: Partial<ChatJob> = {}): ChatJob => ({ task: "chat", id: "j1", model: "echo", messages: [{ role: "user", content }], ...extra });

describe("echo tool and JSON modes", () => {
  test("a tool named in the prompt is called with its schema filled; streamed as id/name then argument pieces", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const chunks = await collect(backend, chat("get_weather in Oslo", { tools: [weatherTool] }));
    const calls = assembleCalls(chunks);
    assert.equal(calls.length, 1);
    assert.deepEqual([calls[0]!.id, calls[0]!.name], ["call_j1_0", "get_weather"]);
    assert.deepEqual(JSON.parse(calls[0]!.arguments), { city: "get_weather in Oslo", days: 3 });
    assert.ok(calls[0]!.pieces.length > 2, "arguments arrive in several pieces");
    assert.equal(usage(chunks).finishReason, "tool_calls");
    assert.equal(usage(chunks).completionTokens, chunks.length - 1, "every piece is metered as a token");
  });

  test("auto without a named tool answers in text; required calls the first; a named choice calls that one", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const other = { name: "other", parameters: { type: "object", properties: { on: { type: "boolean" } } } };
    assert.equal(text(await collect(backend, chat("just talk", { tools: [weatherTool, other] }))), "just talk");
    assert.equal(assembleCalls(await collect(backend, chat("just talk", { tools: [weatherTool, other], toolChoice: "required" })))[0]!.name, "get_weather");
    const named = assembleCalls(await collect(backend, chat("just talk", { tools: [weatherTool, other], toolChoice: { name: "other" } })));
    assert.deepEqual(named.map((c) => [c.name, JSON.parse(c.arguments)]), [["other", { on: true }]]);
  });

  test("after a tool result echo answers with it in text", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const job = chat("get_weather", { tools: [weatherTool] });
    job.messages.push({ role: "assistant", content: null, toolCalls: [{ id: "c1", name: "get_weather", arguments: "{}" }] }, { role: "tool", content: "rain all day", toolCallId: "c1" });
    const chunks = await collect(backend, job);
    assert.equal(text(chunks), "rain all day");
    assert.equal(usage(chunks).finishReason, "stop");
  });

  test("JSON output: json_object wraps the text; json_schema fills the schema; max_tokens cuts with length", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    assert.deepEqual(JSON.parse(text(await collect(backend, chat("a b", { responseFormat: { type: "json_object" } })))), { echo: "a b" });
    const schema = { type: "object", properties: { title: { type: "string" }, n: { type: "number" }, tags: { type: "array" } }, required: ["title", "n"] };
    assert.deepEqual(JSON.parse(text(await collect(backend, chat("x y", { responseFormat: { type: "json_schema", name: "s", schema } })))), { title: "x y", n: 2 });
    const cut = await collect(backend, chat("a b", { responseFormat: { type: "json_object" }, maxTokens: 1 }));
    assert.equal(text(cut), '{"echo":');
    assert.equal(usage(cut).finishReason, "length");
  });

  test("fillSchema stops at a depth bound on a self-nesting schema", () => {
    const deep: Record<string, unknown> = { type: "object", properties: {} };
    let at = deep;
    for (let i = 0; i < 20; i++) {
      const next = { type: "object", properties: {} };
      (at.properties as Record<string, unknown>).x = next;
      at = next;
    }
    assert.ok(JSON.stringify(fillSchema(deep, "t")).length < 200);
  });

  test("output is capped at maxOutputTokens, with or without max_tokens, and reported as length", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0, maxOutputTokens: 10 });
    const long = Array.from({ length: 30 }, (_, i) => `w${i}`).join(" ");
    for (const extra of [{}, { maxTokens: 1_000_000 }]) {
      const chunks = await collect(backend, chat(long, extra));
      assert.equal(chunks.filter((c) => c.type === "text").length, 10);
      assert.equal(usage(chunks).finishReason, "length");
    }
  });

  test("at an unlimited rate echo still yields to the event loop during a long answer", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    const chunks = await collect(backend, chat(Array.from({ length: 500 }, (_, i) => `t${i}`).join(" ")));
    assert.equal(chunks.length, 501);
    assert.equal(ran, true, "a callback queued before the job ran while it streamed");
  });
});
