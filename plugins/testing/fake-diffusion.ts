/**
 * A fake image server speaking both APIs of reference/backends.md "Stable Diffusion":
 * AUTOMATIC1111 (POST /sdapi/v1/txt2img -> {images: [base64 PNG], parameters, info: "<JSON string>"},
 * GET /sdapi/v1/sd-models, GET /sdapi/v1/progress; FastAPI-style errors {error, detail} / {detail})
 * and OpenAI images (POST /v1/images/generations -> {created, data: [{b64_json}]}, GET /v1/models;
 * errors {error: {message, type, code}}). A prompt of "jpeg please" gets a JPEG back.
 */
import { marker, sendJson, startFakeServer, truncateJson, type FakeExchange, type FakeMode, type FakeServer } from "./fake-server.ts";

/** A valid 1x1 PNG. */
export const tinyPngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
const tinyJpegBase64 = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=";

const statuses: Partial<Record<FakeMode, number>> = { auth: 401, "rate-limit": 429, overloaded: 503, "bad-request": 422, upstream: 500 };

function errorBody(openai: boolean, mode: FakeMode): unknown {
  const text = `${marker(mode)} generation failed`;
  if (openai) return { error: { message: text, type: "invalid_request_error", code: null } };
  if (mode === "bad-request") return { detail: [{ loc: ["body", "steps"], msg: text, type: "type_error.integer" }] };
  if (mode === "upstream" || mode === "stream-error") return { error: "OutOfMemoryError", detail: text, body: "", errors: "" };
  return { detail: text };
}

function answer(x: FakeExchange, openai: boolean): void {
  const { res, mode } = x;
  const json = { "content-type": "application/json" };
  if (mode === "stall") return void res.writeHead(200, json).write('{"images":');
  if (mode === "malformed") return void res.writeHead(200, json).end('{"images": ["iVBOR');
  if (mode === "truncated") return truncateJson(res);
  if (mode === "ended-early") return void res.writeHead(200, json).end();
  if (mode === "stream-error") return sendJson(res, 200, errorBody(openai, mode));
  const body = (x.received.json ?? {}) as { prompt?: string; n?: number; batch_size?: number; seed?: number };
  const count = (openai ? body.n : body.batch_size) ?? 1;
  const image = body.prompt === "jpeg please" ? tinyJpegBase64 : tinyPngBase64;
  if (openai) {
    return sendJson(res, 200, {
      created: 1732400000,
      data: Array.from({ length: count }, () => ({ b64_json: image, revised_prompt: `revised: ${body.prompt}` })),
      usage: { input_tokens: 12, output_tokens: 272, total_tokens: 284 },
    });
  }
  const seed = body.seed === undefined || body.seed === -1 ? 1234 : body.seed;
  sendJson(res, 200, {
    images: Array.from({ length: count }, () => image),
    parameters: body,
    info: JSON.stringify({ prompt: body.prompt, seed, all_seeds: Array.from({ length: count }, (_, i) => seed + i), sampler_name: "Euler a", sd_model_name: "v1-5-pruned-emaonly" }),
  });
}

/**
 * Starts a fake A1111 + OpenAI images server.
 *
 * @example const fake = await startFakeDiffusion(); // a1111 baseUrl: fake.url; openai baseUrl: fake.url + "/v1"
 */
export function startFakeDiffusion(): Promise<FakeServer> {
  return startFakeServer((x) => {
    const { res, mode, path, fake } = x;
    const openai = path.startsWith("/v1/");
    if (mode === "stall-headers") return;
    const status = statuses[mode];
    if (status) return sendJson(res, status, errorBody(openai, mode), status === 429 ? { "retry-after": fake.retryAfter } : {});
    if (path === "/sdapi/v1/txt2img") return answer(x, false);
    if (path === "/v1/images/generations") return answer(x, true);
    if (path === "/sdapi/v1/progress") return sendJson(res, 200, { progress: 0, eta_relative: 0, state: { job_count: 0 }, current_image: null });
    if (path === "/sdapi/v1/sd-models") {
      return sendJson(res, 200, [{ title: "v1-5-pruned-emaonly.safetensors [6ce0161689]", model_name: "v1-5-pruned-emaonly", hash: "6ce0161689", sha256: "6ce0", filename: "/models/v1-5.safetensors", config: null }]);
    }
    if (path === "/v1/models") return sendJson(res, 200, { object: "list", data: [{ id: "dall-e-2", object: "model", owned_by: "system" }] });
    sendJson(res, 404, { detail: "Not Found" });
  });
}
