/**
 * What echo answers in an agent's conversation (turn.ts), on the shapes a real OpenClaw 2026.9.6 turn
 * sends with its default tool profile: a 26 KB system prompt, 11 tools, the user's message, then a
 * user message of internal context naming "exec". Before these rules echo called `exec` with that
 * context as the shell command on every request (the last message was always from the user), 86
 * requests in 180 s; and a text answer repeated the prompt up to max_tokens (4096 words at 20/s).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { createBackend, loadPlugin } from "../loader.ts";
import { assembleCalls } from "../testing/conformance-tools.ts";
import type { Backend, ChatJob, ChatMessage, Chunk, ToolDefinition } from "../types.ts";
import { currentTurn, namesTool, turnMessage } from "./turn.ts";

const plugin = await loadPlugin("echo", { root: resolve(import.meta.dirname, "../..") });

async function collect(backend: Backend, job: ChatJob): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for await (const c of backend.infer(job, new AbortController().signal)) out.push(c);
  return out;
}
const text = (chunks: Chunk[]) => chunks.map((c) => (c.type === "text" ? c.text : "")).join("");
const finish = (chunks: Chunk[]) => { const u = chunks.at(-1); return u?.type === "usage" ? u.finishReason : undefined; };

const tool = (name: string): ToolDefinition => ({ name, parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] } });
const agentTools = ["apply_patch", "edit", "exec", "ls", "process", "read", "write"].map(tool);
const user = (content: string): ChatMessage => ({ role: "user", content });
const context: ChatMessage = { role: "user", content: [{ type: "text", text: "<<<BEGIN_CONTEXT>>>\nActive exec sessions:\nnone\n<<<END_CONTEXT>>>" }] };
const system: ChatMessage = { role: "system", content: "You are an agent. Tools: read, write, exec. ".repeat(600) };
const job = (messages: ChatMessage[]): ChatJob => ({ task: "chat", id: "j1", model: "echo", messages, tools: agentTools, toolChoice: "auto", maxTokens: 4096 });
const callOf = (id: string, name: string): ChatMessage => ({ role: "assistant", content: null, toolCalls: [{ id, name, arguments: "{}" }] });

describe("echo in an agent's turn", () => {
  test("an OpenClaw-shaped first request: the user's words once, no tool call, stop", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const chunks = await collect(backend, job([system, user("[Sat 2026-12-05 21:06 UTC] Say ping"), context]));
    assert.deepEqual(assembleCalls(chunks), [], "the context block names exec; the user did not");
    assert.equal(text(chunks), "[Sat 2026-12-05 21:06 UTC] Say ping");
    assert.equal(finish(chunks), "stop", "max_tokens 4096 is a ceiling, not a length");
  });

  test("a tool the user names is called once per turn; after its result (and appended context) echo answers in text", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const first = assembleCalls(await collect(backend, job([system, user("please exec ls -la"), context])));
    assert.deepEqual(first.map((c) => c.name), ["exec", "ls"]);
    const after = await collect(backend, job([system, user("please exec ls -la"), callOf("c1", "exec"), { role: "tool", toolCallId: "c1", content: "total 0" }, context]));
    assert.deepEqual(assembleCalls(after), []);
    assert.equal(text(after), "total 0");
    assert.equal(finish(after), "stop");
  });

  test("a new turn starts after a final answer: its own prompt, tools again", async () => {
    const backend = await createBackend(plugin, { tokensPerSecond: 0 });
    const history = [user("please exec it"), callOf("c1", "exec"), { role: "tool", toolCallId: "c1", content: "done" } as ChatMessage, { role: "assistant", content: "done" } as ChatMessage];
    const next = assembleCalls(await collect(backend, job([...history, user("now read it")])));
    assert.deepEqual(next.map((c) => c.name), ["read"]);
    assert.equal(text(await collect(backend, job([...history, user("thanks")]))), "thanks");
  });

  test("turn helpers: the turn, its message, whole-word tool names", () => {
    const a = user("a");
    const b = user("b");
    assert.deepEqual(currentTurn([a, { role: "assistant", content: "a" }, b]), [b]);
    assert.equal(turnMessage([a, context]), a);
    assert.equal(turnMessage([a, { role: "assistant", content: "x" }]), a, "no open turn: the last user message");
    assert.equal(namesTool("use get_weather now", "get_weather"), true);
    assert.equal(namesTool("(read)", "read"), true);
    assert.equal(namesTool("already", "read"), false);
    assert.equal(namesTool("my_read_tool", "read"), false);
    assert.equal(namesTool("a.b", "a.b"), true);
    assert.equal(namesTool("axb", "a.b"), false, "a name is matched literally");
  });
});
