/**
 * A fake speech-to-text server speaking both APIs of reference/backends.md "Whisper":
 * OpenAI (POST /v1/audio/transcriptions multipart, GET /v1/models; errors {error:{message,...}})
 * and whisper.cpp's server (POST /inference multipart, GET /health -> {"status":"ok"} or 503
 * {"status":"loading model"}; errors {"error":"..."}). json -> {text}; verbose_json ->
 * {task, language, duration, text, segments}.
 */
import { marker, sendJson, startFakeServer, truncateJson, type FakeExchange, type FakeMode, type FakeServer, type Received } from "./fake-server.ts";

const statuses: Partial<Record<FakeMode, number>> = { auth: 401, "rate-limit": 429, overloaded: 503, "bad-request": 400, upstream: 500 };

/** The multipart fields of a received request, parsed by the web-standard Request.formData(). */
export async function parseMultipart(r: Received): Promise<Record<string, string | { name: string; type: string; bytes: Uint8Array }>> {
  const form = await new Request("http://fake/", { method: "POST", headers: { "content-type": String(r.headers["content-type"]) }, body: new Uint8Array(r.body) }).formData();
  const out: Record<string, string | { name: string; type: string; bytes: Uint8Array }> = {};
  for (const [key, value] of form.entries()) {
    out[key] = typeof value === "string" ? value : { name: value.name, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) };
  }
  return out;
}

function errorBody(cpp: boolean, mode: FakeMode): unknown {
  const text = `${marker(mode)} transcription failed`;
  return cpp ? { error: text } : { error: { message: text, type: "invalid_request_error", code: null } };
}

async function transcribe(x: FakeExchange, cpp: boolean): Promise<void> {
  const { res, mode, fake } = x;
  const json = { "content-type": "application/json" };
  if (mode === "stall") return void res.writeHead(200, json).write('{"text":');
  if (mode === "malformed") return void res.writeHead(200, json).end('{"text": "Hel');
  if (mode === "truncated") return truncateJson(res);
  if (mode === "ended-early") return void res.writeHead(200, json).end();
  if (mode === "stream-error") return sendJson(res, 200, { error: `${marker(mode)} failed to read audio data` });
  const form = await parseMultipart(x.received);
  const text = fake.reply.join("");
  if (form.response_format !== "verbose_json") return sendJson(res, 200, { text });
  sendJson(res, 200, {
    task: "transcribe",
    language: typeof form.language === "string" ? form.language : "english",
    duration: 2.5,
    text,
    segments: [
      { id: 0, seek: 0, start: 0, end: 1.2, text: fake.reply.slice(0, 2).join(""), tokens: [50364, 2425], temperature: 0, avg_logprob: -0.2, compression_ratio: 1.1, no_speech_prob: 0.01 },
      { id: 1, seek: 0, start: 1.2, end: 2.5, text: fake.reply.slice(2).join(""), tokens: [264, 7586], temperature: 0, avg_logprob: -0.3, compression_ratio: 1.1, no_speech_prob: 0.02 },
    ],
    ...(cpp ? {} : { usage: { type: "duration", seconds: 3 } }),
  });
}

/**
 * Starts a fake whisper server (both APIs).
 *
 * @example const fake = await startFakeWhisper(); // openai baseUrl: fake.url + "/v1"; whispercpp: fake.url
 */
export function startFakeWhisper(): Promise<FakeServer> {
  return startFakeServer(async (x) => {
    const { res, mode, path, fake } = x;
    const cpp = !path.startsWith("/v1/");
    if (mode === "stall-headers") return;
    if (path === "/health") return mode === "ok" ? sendJson(res, 200, { status: "ok" }) : sendJson(res, 503, { status: "loading model" });
    const status = statuses[mode];
    if (status) return sendJson(res, status, errorBody(cpp, mode), status === 429 ? { "retry-after": fake.retryAfter } : {});
    if (path === "/v1/audio/transcriptions") return transcribe(x, false);
    if (path === "/inference") return transcribe(x, true);
    if (path === "/v1/models") return sendJson(res, 200, { object: "list", data: [{ id: "Systran/faster-whisper-small", object: "model", owned_by: "Systran" }] });
    sendJson(res, 404, errorBody(cpp, mode));
  });
}
