/**
 * A fake OpenAI-compatible chat server in four flavours (reference/backends.md):
 *   groq     — usage in the final chunk's `x_groq.usage` (seconds), errors as `event: error`, usage top-level when not streaming
 *   openai   — `stream_options.include_usage` -> a last `{"choices":[],"usage":{...}}` chunk, `usage: null` before
 *   llamacpp — like openai plus `timings` on the last chunk
 *   vllm-old — like openai, but errors are flat `{"object":"error","message",...}`
 * Routes (any prefix): GET .../models, POST .../chat/completions, POST .../completions.
 * Tools (fake-tools.ts): a call of the first tool, non-streamed as `message.tool_calls` with
 * `content: null`; streamed as OpenAI does (first delta id/type/name, then argument pieces) —
 * except groq, which sends each call whole in one delta; finish_reason "tool_calls".
 */
import type { ServerResponse } from "node:http";
import { fakeReplyFor, fakeToolArguments, fakeToolToCall } from "./fake-tools.ts";
import { breakStream, marker, truncateJson, sendJson, startFakeServer, startStream, tick, type FakeExchange, type FakeMode, type FakeServer } from "./fake-server.ts";

export type OpenAIFlavor = "groq" | "openai" | "llamacpp" | "vllm-old";

const statusOf: Partial<Record<FakeMode, [number, string, string]>> = {
  auth: [401, "invalid_request_error", "invalid_api_key"],
  "rate-limit": [429, "tokens", "rate_limit_exceeded"],
  overloaded: [503, "internal_server_error", "service_unavailable"],
  "bad-request": [400, "invalid_request_error", "invalid_value"],
  upstream: [500, "internal_server_error", "internal_error"],
};

/** Groq's usage numbers (times in seconds) used by the fake; tests compare against these. */
export const groqUsage = { queue_time: 0.012, prompt_tokens: 7, prompt_time: 0.0025, completion_tokens: 4, completion_time: 0.04, total_tokens: 11, total_time: 0.0425 };
export const openaiUsage = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 };
export const llamacppTimings = { prompt_n: 9, prompt_ms: 12.5, predicted_n: 4, predicted_ms: 80.25, predicted_per_second: 49.8 };

function errorBody(flavor: OpenAIFlavor, mode: FakeMode, type: string, code: string, status: number): unknown {
  const message = `${marker(mode)} something went wrong`;
  if (flavor === "vllm-old") return { object: "error", message, type, param: null, code: status };
  return { error: { message, type, code, ...(flavor === "groq" ? {} : { param: null }) } };
}

function sse(res: ServerResponse, data: unknown, event?: string): void {
  res.write(`${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

async function complete(x: FakeExchange, flavor: OpenAIFlavor, legacy: boolean): Promise<void> {
  const { res, mode, fake } = x;
  const body = (x.received.json ?? {}) as { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
  const model = body.model ?? "fake-model";
  const object = legacy ? "text_completion" : "chat.completion.chunk";
  const choice = (text: string | null, finish: string | null): unknown =>
    legacy ? { index: 0, text: text ?? "", logprobs: null, finish_reason: finish } : { index: 0, delta: text === null ? {} : { content: text }, logprobs: null, finish_reason: finish };
  const base = { id: "chatcmpl-fake", object, created: 1732400000, model, system_fingerprint: "fp_fake" };
  const usageNull = flavor === "groq" ? {} : { usage: null };
  const toolName = legacy ? undefined : fakeToolToCall(body);
  const argsText = JSON.stringify(fakeToolArguments);
  const reply = fakeReplyFor(body, fake.reply);
  const errorChunk = `${flavor === "groq" ? "event: error\n" : ""}data: ${JSON.stringify(errorBody(flavor, mode, "internal_server_error", "stream_failed", 500))}\n\n`;

  if (!body.stream) {
    if (mode === "stall") return void res.writeHead(200, { "content-type": "application/json" }).write('{"id":');
    if (mode === "malformed") return void res.writeHead(200, { "content-type": "application/json" }).end('{"id": "x", "choices": [');
    if (mode === "truncated") return truncateJson(res);
    if (mode === "ended-early") return void res.writeHead(200, { "content-type": "application/json" }).end();
    if (mode === "stream-error") return sendJson(res, 200, errorBody(flavor, mode, "internal_server_error", "failed", 500));
    const text = reply.join("");
    const message = legacy ? { text } : toolName ? { message: { role: "assistant", content: null, tool_calls: [{ id: "call_fake_0", type: "function", function: { name: toolName, arguments: argsText } }] } } : { message: { role: "assistant", content: text } };
    const usage = flavor === "groq" ? groqUsage : openaiUsage;
    return sendJson(res, 200, {
      ...base,
      object: legacy ? "text_completion" : "chat.completion",
      choices: [{ index: 0, ...message, logprobs: null, finish_reason: toolName ? "tool_calls" : "stop" }],
      usage,
      ...(flavor === "llamacpp" ? { timings: llamacppTimings } : {}),
      ...(flavor === "groq" ? { x_groq: { id: "req_fake" } } : {}),
    });
  }

  startStream(res, "text/event-stream");
  if (!legacy) sse(res, { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }], ...usageNull });
  if (toolName) return streamToolCall(x, flavor, toolName, base, usageNull, errorChunk);
  for (const [i, token] of reply.entries()) {
    sse(res, { ...base, choices: [choice(token, null)], ...usageNull });
    await tick();
    if (i === 0 && breakStream(res, mode, "data: {\"id\":\"chatcmpl-fake\",\"choices\":[{\"delta\n\n", errorChunk)) return;
  }
  const last: Record<string, unknown> = { ...base, choices: [choice(null, "stop")], ...usageNull };
  if (flavor === "groq") last.x_groq = { id: "req_fake", usage: groqUsage };
  if (flavor === "llamacpp") last.timings = llamacppTimings;
  sse(res, last);
  if (flavor !== "groq" && body.stream_options?.include_usage) sse(res, { ...base, choices: [], usage: openaiUsage });
  sse(res, "[DONE]");
  res.end();
}

/** A streamed tool call: OpenAI's pieces (groq: the whole call in one delta), then finish_reason "tool_calls". */
async function streamToolCall(x: FakeExchange, flavor: OpenAIFlavor, name: string, base: Record<string, unknown>, usageNull: object, errorChunk: string): Promise<void> {
  const { res, mode } = x;
  const body = (x.received.json ?? {}) as { stream_options?: { include_usage?: boolean } };
  const args = JSON.stringify(fakeToolArguments);
  const delta = (d: unknown) => sse(res, { ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: null }], ...usageNull });
  if (flavor === "groq") delta({ tool_calls: [{ id: "call_fake_0", type: "function", function: { name, arguments: args }, index: 0 }] });
  else {
    delta({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_fake_0", type: "function", function: { name, arguments: "" } }] });
    for (let i = 0; i < args.length; i += 5) {
      delta({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 5) } }] });
      await tick();
      // Failure modes play in the middle of the call's arguments.
      if (i === 0 && breakStream(res, mode, 'data: {"choices":[{"delta":{"tool_calls\n\n', errorChunk)) return;
    }
  }
  const last: Record<string, unknown> = { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" }], ...usageNull };
  if (flavor === "groq") last.x_groq = { id: "req_fake", usage: groqUsage };
  sse(res, last);
  if (flavor !== "groq" && body.stream_options?.include_usage) sse(res, { ...base, choices: [], usage: openaiUsage });
  sse(res, "[DONE]");
  res.end();
}

/**
 * Starts a fake OpenAI-compatible server.
 *
 * @example const fake = await startFakeOpenAI("groq"); // baseUrl: fake.url + "/openai/v1"
 */
export function startFakeOpenAI(flavor: OpenAIFlavor): Promise<FakeServer> {
  return startFakeServer(async (x) => {
    const { res, mode, path, fake } = x;
    if (mode === "stall-headers") return; // never answer
    const failure = statusOf[mode];
    if (failure) {
      const [status, type, code] = failure;
      const headers: Record<string, string> =
        status === 429 ? { "retry-after": fake.retryAfter, "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "7.66s" } : {};
      return sendJson(res, status, errorBody(flavor, mode, type, code, status), headers);
    }
    if (x.req.method === "GET" && path.endsWith("/models")) {
      return sendJson(res, 200, { object: "list", data: [{ id: "fake-model", object: "model", created: 1732400000, owned_by: "fake-owner" }, { id: "fake-model-2", object: "model", owned_by: "fake-owner" }] });
    }
    if (x.req.method === "POST" && path.endsWith("/chat/completions")) return complete(x, flavor, false);
    if (x.req.method === "POST" && path.endsWith("/completions")) return complete(x, flavor, true);
    sendJson(res, 404, errorBody(flavor, mode, "invalid_request_error", "unknown_url", 404));
  });
}
