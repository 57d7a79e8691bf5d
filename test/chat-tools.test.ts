/**
 * Tool calling on the paid chat endpoint with the official `openai` client, against echo and each
 * fake backend that supports tools (OpenAI, Groq's whole-call deltas, Ollama's object arguments,
 * TGI's loose shapes): the call comes back in OpenAI's exact shapes (non-streamed message.tool_calls
 * with finish_reason "tool_calls"; streamed delta.tool_calls pieces assembled by the client's own
 * stream helper), then the round trip — the assistant's call and a tool message — gets a text
 * answer. Tool-call output is billed like text. Also a 60 KB OpenClaw-sized turn with 12 tools.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type OpenAI from "openai";
import { weatherTool } from "../plugins/testing/conformance-tools.ts";
import { fakeToolArguments } from "../plugins/testing/fake-tools.ts";
import { price, startChatMarket, type ChatMarket } from "./support/chat-market.ts";

let cm: ChatMarket;
before(async () => {
  cm = await startChatMarket();
});
after(() => cm?.close());

const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: weatherTool }];
const ask = "get_weather for Paris";
/** What each backend's call carries: echo fills the schema from the prompt (echo/tools.ts), the fakes send fixed arguments. */
const expectedArgs = (model: string) => (model === "echo-1" ? { city: ask, days: 3 } : fakeToolArguments);
/** The text each backend answers after the tool result. */
const expectedAnswer = (model: string) => (model === "echo-1" ? "sunny, 21 C" : cm.fakes[model]!.reply.join(""));

type Claw = { claw?: { cost: string; jobId: string } };

async function roundTrip(openai: OpenAI, model: string, call: OpenAI.ChatCompletionMessageToolCall, assistant: OpenAI.ChatCompletionMessageParam) {
  const answer = await openai.chat.completions.create({
    model, tools,
    messages: [{ role: "user", content: ask }, assistant, { role: "tool", tool_call_id: call.id, content: "sunny, 21 C" }],
  });
  assert.equal(answer.choices[0]!.finish_reason, "stop");
  assert.equal(answer.choices[0]!.message.content, expectedAnswer(model));
  assert.equal(answer.choices[0]!.message.tool_calls, undefined);
}

describe("tool calls with the openai client", () => {
  for (const model of ["echo-1", "oa", "gq", "ol", "tg"]) {
    test(`${model}: non-streaming tool call in OpenAI's shape, billed, then the round trip`, async () => {
      const { openai } = await cm.client(model);
      const r = await openai.chat.completions.create({ model, tools, tool_choice: "auto", messages: [{ role: "user", content: ask }] });
      const choice = r.choices[0]!;
      assert.equal(choice.finish_reason, "tool_calls");
      assert.equal(choice.message.content, null);
      assert.equal(choice.message.tool_calls?.length, 1);
      const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      assert.equal(call.type, "function");
      assert.ok(call.id.length > 0, "the call has an id (the backend's, or call_<job>_<index>)");
      assert.equal(call.function.name, "get_weather");
      assert.deepEqual(JSON.parse(call.function.arguments), expectedArgs(model));
      const claw = (r as unknown as Claw).claw!;
      assert.equal(cm.m.provider.views.jobs.get(claw.jobId)?.cost, BigInt(claw.cost), "tool-call output is billed like text");
      await roundTrip(openai, model, call, choice.message as OpenAI.ChatCompletionMessageParam);
    });

    test(`${model}: streamed tool call as delta.tool_calls pieces, assembled by the client's stream helper, then the round trip`, async () => {
      const { openai } = await cm.client(model);
      const stream = openai.chat.completions.stream({ model, tools, stream_options: { include_usage: true }, messages: [{ role: "user", content: ask }] });
      const pieces: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
      let finish: string | null = null;
      for await (const chunk of stream) {
        for (const c of chunk.choices) {
          pieces.push(...(c.delta.tool_calls ?? []));
          finish = c.finish_reason ?? finish;
        }
      }
      const final = await stream.finalChatCompletion();
      assert.equal(finish, "tool_calls");
      // OpenAI's stream shape: the first piece has index, id, type and name; later ones only arguments.
      assert.ok(pieces.length >= 1);
      assert.deepEqual(Object.keys(pieces[0]!).sort(), ["function", "id", "index", "type"]);
      assert.equal(pieces[0]!.function?.name, "get_weather");
      for (const p of pieces.slice(1)) assert.deepEqual(Object.keys(p).sort(), ["function", "index"]);
      const call = final.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
      assert.equal(call.id, pieces[0]!.id);
      assert.deepEqual(JSON.parse(call.function.arguments), expectedArgs(model));
      assert.ok(final.usage, "usage in the last chunk");
      await roundTrip(openai, model, call, { role: "assistant", content: null, tool_calls: [call] });
    });
  }

  test("echo: two tools named in the prompt are two parallel calls; parallel_tool_calls false keeps one", async () => {
    const { openai } = await cm.client("echo-1");
    const both: OpenAI.ChatCompletionTool[] = [...tools, { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string", enum: ["UTC", "CET"] } } } } }];
    const content = "get_time and get_weather please";
    const r = await openai.chat.completions.create({ model: "echo-1", tools: both, messages: [{ role: "user", content }] });
    const calls = r.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    assert.deepEqual(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), [["get_weather", { city: content, days: 4 }], ["get_time", { zone: "UTC" }]]);
    assert.notEqual(calls[0]!.id, calls[1]!.id);
    const one = await openai.chat.completions.create({ model: "echo-1", tools: both, parallel_tool_calls: false, messages: [{ role: "user", content }] });
    assert.equal(one.choices[0]!.message.tool_calls?.length, 1);
    const none = await openai.chat.completions.create({ model: "echo-1", tools: both, tool_choice: "none", messages: [{ role: "user", content }] });
    assert.equal(none.choices[0]!.message.content, content);
  });

  test("a stream cut inside a tool call's arguments: the pieces delivered, then the error event; billed only up to them", async () => {
    const { openai, streamId } = await cm.client("oa");
    cm.fakes.oa!.queue("stream-error");
    const stream = await openai.chat.completions.create({ model: "oa", tools, stream: true, messages: [{ role: "user", content: ask }] });
    const pieces: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    const err = await (async () => {
      for await (const chunk of stream) pieces.push(...(chunk.choices[0]?.delta?.tool_calls ?? []));
    })().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Error, "the client sees the error event");
    assert.match(String((err as Error).message), /fake:stream-error/);
    assert.equal(pieces[0]?.function?.name, "get_weather");
    assert.ok(pieces.length >= 2, "the call's first argument piece was delivered");
    const [failed] = cm.eventsOf(streamId, "JobFailed");
    const data = failed?.data as { code: string; cost: bigint; meteredMs: bigint };
    assert.equal(data.code, "BACKEND_STREAM_ERROR");
    assert.equal(data.cost, (data.meteredMs * price) / 1000n, "billed for the time up to the last delivered piece, at the price");
  });

  test("a 60 KB OpenClaw-sized turn (12 tools, text parts, streamed with usage) is served", async () => {
    const { openai } = await cm.client("echo-1");
    const many: OpenAI.ChatCompletionTool[] = Array.from({ length: 12 }, (_, i) => ({
      type: "function",
      function: { name: `tool_${i}`, description: "d".repeat(1500), parameters: { type: "object", properties: { arg: { type: "string", description: "x".repeat(500) } }, required: ["arg"] } },
    }));
    const system = "You are an agent. ".repeat(2200);
    const stream = await openai.chat.completions.create({
      model: "echo-1", stream: true, stream_options: { include_usage: true }, max_completion_tokens: 4096, tool_choice: "auto", tools: many,
      messages: [{ role: "system", content: system }, { role: "user", content: [{ type: "text", text: "run tool_7 now" }] }],
    });
    const names: string[] = [];
    for await (const chunk of stream) for (const c of chunk.choices[0]?.delta?.tool_calls ?? []) if (c.function?.name) names.push(c.function.name);
    assert.deepEqual(names, ["tool_7"]);
  });
});
