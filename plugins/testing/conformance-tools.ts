/**
 * The tool-call part of the plugin contract, run by describeConformance for every plugin that
 * declares `capabilities.tools` (with a chat job): the fake calls the first tool (fake-tools.ts);
 * the plugin must yield tool-call chunks that join into exactly that call (first piece with id and
 * name), send the tools in the OpenAI function shape, and carry a full round trip — the assistant's
 * call and the tool result back to the backend in its own format, a text answer out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Backend, ChatJob, Chunk, ToolCallChunk } from "../types.ts";
import type { FakeServer } from "./fake-server.ts";
import { fakeToolArguments } from "./fake-tools.ts";

type Run = (fn: (fake: FakeServer, backend: Backend) => Promise<void>) => Promise<void>;
type Collect = (backend: Backend, job: ChatJob) => Promise<{ chunks: Chunk[]; error?: Error }>;

export const weatherTool = {
  name: "get_weather",
  description: "The weather forecast for a city.",
  parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city", "days"] },
};

/** The calls the chunks describe, assembled by index as an OpenAI client does. */
export function assembleCalls(chunks: Chunk[]): Array<{ id?: string; name?: string; arguments: string; pieces: ToolCallChunk[] }> {
  const calls: Array<{ id?: string; name?: string; arguments: string; pieces: ToolCallChunk[] }> = [];
  for (const c of chunks) {
    if (c.type !== "tool_call") continue;
    const call = (calls[c.index] ??= { arguments: "", pieces: [] });
    if (c.id !== undefined) call.id ??= c.id;
    if (c.name !== undefined) call.name ??= c.name;
    call.arguments += c.arguments;
    call.pieces.push(c);
  }
  return calls;
}

/** Declares the tool cases for a chat `job` (its last message is from the user). */
export function describeToolCases(job: ChatJob, wire: "openai" | "ollama", run: Run, collect: Collect): void {
  const toolJob: ChatJob = { ...job, tools: [weatherTool], toolChoice: "auto" };

  test("tools: the call comes back whole from its pieces, with the backend's exact arguments", () =>
    run(async (fake, backend) => {
      const { chunks, error } = await collect(backend, toolJob);
      assert.equal(error, undefined, error?.message);
      const calls = assembleCalls(chunks);
      assert.equal(calls.length, 1);
      const [call] = calls;
      assert.equal(call!.name, "get_weather");
      assert.ok(call!.id, "the call has an id");
      assert.equal(call!.pieces[0]!.name, "get_weather", "the first piece names the function");
      assert.deepEqual(JSON.parse(call!.arguments), fakeToolArguments);
      assert.equal(chunks.filter((c) => c.type === "text").length, 0);
      assert.equal(chunks.at(-1)?.type, "usage");
      const sent = fake.received[0]!.json as { tools: unknown[] };
      assert.deepEqual(sent.tools, [{ type: "function", function: weatherTool }]);
    }));

  test("tools: a round trip sends the call and its result back in the backend's format; the answer is text", () =>
    run(async (fake, backend) => {
      const args = JSON.stringify(fakeToolArguments);
      const roundTrip: ChatJob = {
        ...toolJob,
        messages: [
          ...job.messages,
          { role: "assistant", content: null, toolCalls: [{ id: "call_1", name: "get_weather", arguments: args }] },
          { role: "tool", content: "sunny, 21 C", toolCallId: "call_1" },
        ],
      };
      const { chunks, error } = await collect(backend, roundTrip);
      assert.equal(error, undefined, error?.message);
      assert.equal(chunks.filter((c) => c.type === "tool_call").length, 0);
      assert.equal(chunks.map((c) => (c.type === "text" ? c.text : "")).join(""), fake.reply.join(""));
      const sent = (fake.received[0]!.json as { messages: Array<Record<string, unknown>> }).messages;
      const [assistant, tool] = sent.slice(-2) as [Record<string, any>, Record<string, any>];
      assert.equal(assistant.tool_calls[0].function.name, "get_weather");
      if (wire === "openai") {
        assert.equal(assistant.tool_calls[0].id, "call_1");
        assert.equal(assistant.tool_calls[0].function.arguments, args, "arguments as JSON text");
        assert.deepEqual({ role: tool.role, tool_call_id: tool.tool_call_id, content: tool.content }, { role: "tool", tool_call_id: "call_1", content: "sunny, 21 C" });
      } else {
        assert.deepEqual(assistant.tool_calls[0].function.arguments, fakeToolArguments, "arguments as a JSON object");
        assert.deepEqual({ role: tool.role, tool_name: tool.tool_name, content: tool.content }, { role: "tool", tool_name: "get_weather", content: "sunny, 21 C" });
      }
    }));
}
