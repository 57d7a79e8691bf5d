/**
 * A fake Ollama server (reference/backends.md "Ollama"): /api/chat and /api/generate streaming
 * NDJSON (or one JSON object with stream:false), the last line `done:true` with nanosecond
 * durations, errors as `{"error":"..."}` — also as a last line inside a 200 stream —,
 * GET /api/tags and GET /api/version. Tools (fake-tools.ts): a call of the first tool as
 * `message.tool_calls: [{"function":{"name","arguments":{<object>}}}]` without id or index (older
 * Ollama), whole in one NDJSON line, then the `done` line; `format` gets the JSON reply.
 */
import type { ServerResponse } from "node:http";
import { fakeReplyFor, fakeToolArguments, fakeToolToCall } from "./fake-tools.ts";
import { breakStream, marker, sendJson, startFakeServer, startStream, tick, truncateJson, type FakeExchange, type FakeMode, type FakeServer } from "./fake-server.ts";

const statuses: Partial<Record<FakeMode, [number, string]>> = {
  auth: [401, "unauthorized"],
  "rate-limit": [429, "too many requests"],
  overloaded: [503, "server busy, please try again.  maximum pending requests exceeded"],
  "bad-request": [400, 'model "nope" not found, try pulling it first'],
  upstream: [500, "llama runner process has terminated: exit status 2"],
};

/** The final line's numbers (durations in ns); tests compare against these. */
export const ollamaFinal = {
  done_reason: "stop",
  total_duration: 1_500_000_000,
  load_duration: 250_000_000,
  prompt_eval_count: 26,
  prompt_eval_duration: 130_000_000,
  eval_count: 4,
  eval_duration: 1_000_500_000,
};

function line(res: ServerResponse, obj: unknown): void {
  res.write(`${JSON.stringify(obj)}\n`);
}

async function generate(x: FakeExchange, chat: boolean): Promise<void> {
  const { res, mode, fake } = x;
  const body = (x.received.json ?? {}) as { model?: string; stream?: boolean };
  const model = body.model ?? "llama3.2";
  const piece = (text: string): Record<string, unknown> =>
    chat ? { model, created_at: "2026-11-24T00:00:00Z", message: { role: "assistant", content: text }, done: false } : { model, created_at: "2026-11-24T00:00:00Z", response: text, done: false };
  const final = { ...piece(""), ...ollamaFinal, done: true, ...(chat ? {} : { context: [1, 2, 3] }) };
  const toolName = chat ? fakeToolToCall(body) : undefined;
  const toolMessage = { role: "assistant", content: "", tool_calls: [{ function: { name: toolName, arguments: fakeToolArguments } }] };
  const reply = fakeReplyFor(body, fake.reply);
  const errorLine = `${JSON.stringify({ error: `${marker(mode)} an error was encountered while running the model` })}\n`;

  if (body.stream === false) {
    if (mode === "stall") return void res.writeHead(200, { "content-type": "application/json" }).write('{"model":');
    if (mode === "malformed") return void res.writeHead(200, { "content-type": "application/json" }).end('{"model": "x", "done": tr');
    if (mode === "truncated") return truncateJson(res);
    if (mode === "ended-early") return void res.writeHead(200, { "content-type": "application/json" }).end();
    if (mode === "stream-error") return void res.writeHead(200, { "content-type": "application/json" }).end(errorLine);
    const text = reply.join("");
    if (toolName) return sendJson(res, 200, { ...final, message: toolMessage });
    return sendJson(res, 200, { ...final, ...(chat ? { message: { role: "assistant", content: text } } : { response: text }) });
  }
  startStream(res, "application/x-ndjson");
  if (toolName) {
    line(res, { ...piece(""), message: toolMessage });
    await tick();
    line(res, final);
    return void res.end();
  }
  for (const [i, token] of reply.entries()) {
    line(res, piece(token));
    await tick();
    if (i === 0 && breakStream(res, mode, '{"model":"llama3.2","response":\n', errorLine)) return;
  }
  line(res, final);
  res.end();
}

/**
 * Starts a fake Ollama.
 *
 * @example const fake = await startFakeOllama(); // baseUrl: fake.url
 */
export function startFakeOllama(): Promise<FakeServer> {
  return startFakeServer(async (x) => {
    const { res, mode, path, fake } = x;
    if (mode === "stall-headers") return;
    const failure = statuses[mode];
    if (failure) return sendJson(res, failure[0], { error: `${marker(mode)} ${failure[1]}` }, failure[0] === 429 ? { "retry-after": fake.retryAfter } : {});
    if (path === "/api/version") return sendJson(res, 200, { version: "0.12.6" });
    if (path === "/api/tags") {
      return sendJson(res, 200, {
        models: [{ name: "llama3.2:latest", model: "llama3.2:latest", modified_at: "2026-11-01T10:00:00Z", size: 2019393189, digest: "a80c4f17acd5", details: { format: "gguf", family: "llama", parameter_size: "3.2B", quantization_level: "Q4_K_M" } }],
      });
    }
    if (path === "/api/chat") return generate(x, true);
    if (path === "/api/generate") return generate(x, false);
    sendJson(res, 404, { error: "404 page not found" });
  });
}
