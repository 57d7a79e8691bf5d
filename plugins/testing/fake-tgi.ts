/**
 * A fake text-generation-inference server (reference/backends.md "TGI"): /generate_stream as SSE
 * with NO space after `data:` and no [DONE], the last event carrying generated_text (+ details);
 * /generate with its timing headers; /v1/chat/completions (OpenAI chunks, [DONE]); /info; /health.
 * Errors are `{"error","error_type"}`: 422 validation, 424 generation, 429 overloaded; mid-stream
 * as a `data:` event with that body. Tools on /v1/chat/completions (fake-tools.ts), in TGI 3.x's
 * loose OpenAI shape (router/src/chat.rs): every streamed delta is `{role, tool_calls: [{index: 0,
 * id: "0", type, function: {name, arguments}}]}` with the name only in the first (null after) and
 * no content field; non-streamed, `arguments` is a JSON object (not text), id "0", description null.
 */
import type { ServerResponse } from "node:http";
import { fakeToolArguments, fakeToolToCall } from "./fake-tools.ts";
import { breakStream, marker, sendJson, startFakeServer, startStream, tick, truncateJson, type FakeExchange, type FakeMode, type FakeServer } from "./fake-server.ts";

const statuses: Partial<Record<FakeMode, [number, string, string]>> = {
  auth: [401, "Authorization header is invalid", "authentication"],
  overloaded: [429, "Model is overloaded", "overloaded"],
  "bad-request": [422, "Input validation error: `inputs` must have less than 1024 tokens", "validation"],
  upstream: [424, "Request failed during generation: Server error: CUDA out of memory", "generation"],
};

/** Headers /generate answers with; tests compare against these. */
export const tgiHeaders = {
  "x-compute-type": "gpu+optimized",
  "x-compute-time": "0.25",
  "x-compute-characters": "5",
  "x-total-time": "250",
  "x-validation-time": "1",
  "x-queue-time": "12",
  "x-inference-time": "237",
  "x-time-per-token": "47",
  "x-prompt-tokens": "5",
  "x-generated-tokens": "5",
};

function ev(res: ServerResponse, data: unknown): void {
  res.write(`data:${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

async function generateStream(x: FakeExchange): Promise<void> {
  const { res, mode, fake } = x;
  const details = Boolean((x.received.json as { parameters?: { details?: boolean } } | undefined)?.parameters?.details);
  const errorEvent = `data:${JSON.stringify({ error: `${marker(mode)} Request failed during generation`, error_type: "generation" })}\n\n`;
  startStream(res, "text/event-stream");
  for (const [i, text] of fake.reply.entries()) {
    ev(res, { index: i + 1, token: { id: 1000 + i, text, logprob: -0.5, special: false }, generated_text: null, details: null });
    await tick();
    if (i === 0 && breakStream(res, mode, 'data:{"index":2,"token":{"id"\n\n', errorEvent)) return;
  }
  const n = fake.reply.length + 1;
  ev(res, {
    index: n,
    token: { id: 2, text: "</s>", logprob: -0.01, special: true },
    generated_text: fake.reply.join(""),
    details: details ? { finish_reason: "eos_token", generated_tokens: n, seed: null } : null,
  });
  res.end();
}

/** The failure modes of a non-streamed JSON answer; true when the mode was played. */
function brokenJson(x: FakeExchange): boolean {
  const { res, mode } = x;
  if (mode === "stall") res.writeHead(200, { "content-type": "application/json" }).write('{"generated_text":');
  else if (mode === "malformed") res.writeHead(200, { "content-type": "application/json" }).end('{"generated_text": "x", "details": {');
  else if (mode === "truncated") truncateJson(res);
  else if (mode === "ended-early") res.writeHead(200, { "content-type": "application/json" }).end();
  else if (mode === "stream-error") sendJson(res, 200, { error: `${marker(mode)} Request failed during generation`, error_type: "generation" });
  else return false;
  return true;
}

function generate(x: FakeExchange): void {
  const { res, fake } = x;
  if (brokenJson(x)) return;
  const details = Boolean((x.received.json as { parameters?: { details?: boolean } } | undefined)?.parameters?.details);
  const body = { generated_text: fake.reply.join(""), ...(details ? { details: { finish_reason: "length", generated_tokens: 5, seed: 7, prefill: [], tokens: [] } } : {}) };
  sendJson(res, 200, body, tgiHeaders);
}

async function chat(x: FakeExchange): Promise<void> {
  const { res, mode, fake } = x;
  const base = { id: "", object: "chat.completion.chunk", created: 1732400000, model: "tgi", system_fingerprint: "3.3.6-native" };
  const errorEvent = `data:${JSON.stringify({ error: `${marker(mode)} Request failed during generation`, error_type: "generation" })}\n\n`;
  const toolName = fakeToolToCall(x.received.json);
  if ((x.received.json as { stream?: boolean } | undefined)?.stream !== true) {
    if (brokenJson(x)) return;
    const message = toolName
      ? { role: "assistant", content: null, tool_calls: [{ id: "0", type: "function", function: { description: null, name: toolName, arguments: fakeToolArguments } }] }
      : { role: "assistant", content: fake.reply.join("") };
    return sendJson(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message, logprobs: null, finish_reason: "stop" }], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });
  }
  startStream(res, "text/event-stream");
  if (toolName) {
    const args = JSON.stringify(fakeToolArguments);
    for (let i = 0; i < args.length; i += 6) {
      const fn = { name: i === 0 ? toolName : null, arguments: args.slice(i, i + 6) };
      ev(res, { ...base, choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "0", type: "function", function: fn }] }, logprobs: null, finish_reason: null }], usage: null });
      await tick();
    }
  }
  for (const [i, content] of (toolName ? [] : fake.reply).entries()) {
    ev(res, { ...base, choices: [{ index: 0, delta: { role: "assistant", content }, logprobs: null, finish_reason: null }], usage: null });
    await tick();
    if (i === 0 && breakStream(res, mode, 'data:{"choices":[{\n\n', errorEvent)) return;
  }
  ev(res, { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: "stop" }], usage: null });
  ev(res, { ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } });
  ev(res, "[DONE]");
  res.end();
}

/**
 * Starts a fake TGI.
 *
 * @example const fake = await startFakeTGI(); // baseUrl: fake.url
 */
export function startFakeTGI(): Promise<FakeServer> {
  return startFakeServer(async (x) => {
    const { res, mode, path } = x;
    if (mode === "stall-headers") return;
    if (path === "/health") return void res.writeHead(mode === "ok" ? 200 : 503).end();
    const failure = statuses[mode];
    if (failure) return sendJson(res, failure[0], { error: `${marker(mode)} ${failure[1]}`, error_type: failure[2] });
    if (path === "/info") {
      return sendJson(res, 200, { model_id: "bigscience/bloom-560m", model_sha: "e985a63", model_dtype: "torch.float16", max_input_tokens: 1024, max_total_tokens: 2048, version: "3.3.6" });
    }
    if (path === "/generate_stream") return generateStream(x);
    if (path === "/generate") return generate(x);
    if (path === "/v1/chat/completions") return chat(x);
    sendJson(res, 404, { error: "not found", error_type: "not_found" });
  });
}
