import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { readChatRequest } from "./chat-request.ts";

const png = "data:image/png;base64,iVBORw0KGgo=";
const tool = { type: "function", function: { name: "get_weather", description: "forecast", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const user = (content: unknown) => ({ model: "m", messages: [{ role: "user", content }] });

function refusal(body: unknown): { code: string; param: unknown; message: string } {
  try {
    readChatRequest(body);
  } catch (err) {
    assert.ok(isClawError(err), String(err));
    return { code: err.code, param: err.details?.param, message: err.message };
  }
  assert.fail("the body was accepted");
}

describe("readChatRequest", () => {
  test("an OpenClaw-like turn: text parts, tools, tool_choice auto, include_usage, max_completion_tokens", () => {
    const r = readChatRequest({
      model: "m", stream: true, stream_options: { include_usage: true }, max_completion_tokens: 4096, tool_choice: "auto", tools: [tool],
      messages: [{ role: "system", content: "x".repeat(40_000) }, { role: "user", content: [{ type: "text", text: "hello" }, { type: "text", text: "there" }] }],
    });
    assert.equal(r.stream, true);
    assert.equal(r.includeUsage, true);
    assert.equal(r.job.maxTokens, 4096);
    assert.deepEqual(r.job.toolChoice, "auto");
    assert.deepEqual(r.job.tools, [{ name: "get_weather", description: "forecast", parameters: tool.function.parameters }]);
    assert.deepEqual(r.job.messages[1]!.content, [{ type: "text", text: "hello" }, { type: "text", text: "there" }]);
  });

  test("roles: developer, assistant with tool_calls and null content, tool with tool_call_id", () => {
    const r = readChatRequest({
      model: "m", tools: [tool],
      messages: [
        { role: "developer", content: "be terse" },
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "rain" },
      ],
    });
    assert.deepEqual(r.job.messages[2], { role: "assistant", content: null, toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' }] });
    assert.deepEqual(r.job.messages[3], { role: "tool", content: "rain", toolCallId: "call_1" });
    assert.equal(r.stream, false);
  });

  test("images as data: URLs become image parts; response_format, sampling fields and stop are kept", () => {
    const r = readChatRequest({
      ...user([{ type: "text", text: "what is this" }, { type: "image_url", image_url: { url: png, detail: "low" } }]),
      response_format: { type: "json_schema", json_schema: { name: "out", schema: { type: "object" }, strict: true } },
      temperature: 0.5, top_p: 0.9, seed: 7, stop: "END", presence_penalty: 1, frequency_penalty: -1, user: "u1", parallel_tool_calls: false, n: 1, store: false,
    });
    assert.deepEqual(r.job.messages[0]!.content, [{ type: "text", text: "what is this" }, { type: "image", mimeType: "image/png", base64: "iVBORw0KGgo=", detail: "low" }]);
    assert.deepEqual(r.job.responseFormat, { type: "json_schema", name: "out", schema: { type: "object" }, strict: true });
    assert.deepEqual([r.job.temperature, r.job.topP, r.job.seed, r.job.stop, r.job.presencePenalty, r.job.frequencyPenalty, r.job.user], [0.5, 0.9, 7, ["END"], 1, -1, "u1"]);
    assert.equal(r.job.parallelToolCalls, false);
  });

  const refused: Array<[string, unknown, string, string]> = [
    ["n other than 1", { ...user("hi"), n: 2 }, "UNSUPPORTED_FEATURE", "n"],
    ["logprobs", { ...user("hi"), logprobs: true }, "UNSUPPORTED_FEATURE", "logprobs"],
    ["an unknown field", { ...user("hi"), frobnicate: 1 }, "UNSUPPORTED_FEATURE", "frobnicate"],
    ["legacy functions", { ...user("hi"), functions: [] }, "UNSUPPORTED_FEATURE", "functions"],
    ["audio output", { ...user("hi"), modalities: ["text", "audio"] }, "UNSUPPORTED_FEATURE", "modalities"],
    ["an http image URL (request forgery)", user([{ type: "image_url", image_url: { url: "http://169.254.169.254/latest" } }]), "UNSUPPORTED_FEATURE", "messages[0].content[0].image_url.url"],
    ["an audio part", user([{ type: "input_audio", input_audio: {} }]), "UNSUPPORTED_FEATURE", "messages[0].content[0].type"],
    ["a non-function tool", { ...user("hi"), tools: [{ type: "web_search" }] }, "UNSUPPORTED_FEATURE", "tools[0].type"],
    ["a non-image data URL", user([{ type: "image_url", image_url: { url: "data:text/html;base64,PGgxPg==" } }]), "UNSUPPORTED_FEATURE", "messages[0].content[0].image_url.url"],
    ["an image in a system message", { model: "m", messages: [{ role: "system", content: [{ type: "image_url", image_url: { url: png } }] }] }, "VALIDATION_FAILED", "messages[0].content[0].type"],
    ["a tool message without tool_call_id", { model: "m", messages: [{ role: "tool", content: "x" }] }, "VALIDATION_FAILED", "messages[0].tool_call_id"],
    ["assistant null content without calls", { model: "m", messages: [{ role: "assistant", content: null }] }, "VALIDATION_FAILED", "messages[0].content"],
    ["tool_choice naming no tool", { ...user("hi"), tools: [tool], tool_choice: { type: "function", function: { name: "nope" } } }, "VALIDATION_FAILED", "tool_choice.function.name"],
    ["tool_choice required without tools", { ...user("hi"), tool_choice: "required" }, "VALIDATION_FAILED", "tool_choice"],
    ["a bad tool name", { ...user("hi"), tools: [{ type: "function", function: { name: "has space" } }] }, "VALIDATION_FAILED", "tools[0].function.name"],
    ["an unknown response_format", { ...user("hi"), response_format: { type: "grammar" } }, "UNSUPPORTED_FEATURE", "response_format.type"],
    ["temperature out of range", { ...user("hi"), temperature: 3 }, "VALIDATION_FAILED", "temperature"],
    ["max_tokens 0", { ...user("hi"), max_tokens: 0 }, "VALIDATION_FAILED", "max_tokens"],
    ["no messages", { model: "m", messages: [] }, "VALIDATION_FAILED", "messages"],
    ["a role that does not exist", { model: "m", messages: [{ role: "wizard", content: "x" }] }, "VALIDATION_FAILED", "messages[0].role"],
    ["stream_options without stream", { ...user("hi"), stream_options: { include_usage: true } }, "VALIDATION_FAILED", "stream_options"],
  ];
  for (const [what, body, code, param] of refused) {
    test(`refuses ${what}: ${code} naming ${param}`, () => {
      const r = refusal(body);
      assert.equal(r.code, code, r.message);
      assert.equal(r.param, param);
      assert.ok(r.message.includes(param), r.message);
    });
  }

  test("a long unknown field name is cut before it is echoed", () => {
    const r = refusal({ ...user("hi"), ["k".repeat(5000)]: 1 });
    assert.ok(r.message.length < 300, `${r.message.length} characters`);
  });
});
