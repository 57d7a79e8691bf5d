/**
 * AUTOMATIC1111 / Forge (`--api`): POST /sdapi/v1/txt2img -> `{images: [base64 PNG], parameters,
 * info: "<JSON as a string>"}`; models from /sdapi/v1/sd-models; /sdapi/v1/progress as a health probe.
 */
import { malformed, streamError } from "../lib/errors.ts";
import type { HttpClient } from "../lib/http.ts";
import { usageChunk } from "../lib/usage.ts";
import type { Chunk, ImageJob, ModelInfo } from "../types.ts";
import { decodePng, imageSize, isObj, type Obj } from "./shared.ts";

export interface A1111Defaults {
  cfgScale?: number;
  samplerName?: string;
}

function body(job: ImageJob, d: A1111Defaults): Obj {
  const size = imageSize(job);
  const b: Obj = { prompt: job.prompt, batch_size: job.n ?? 1, n_iter: 1, seed: job.seed ?? -1 };
  if (job.negativePrompt !== undefined) b.negative_prompt = job.negativePrompt;
  if (job.steps !== undefined) b.steps = job.steps;
  if (size) Object.assign(b, size);
  if (d.cfgScale !== undefined) b.cfg_scale = d.cfgScale;
  if (d.samplerName !== undefined) b.sampler_name = d.samplerName;
  return b;
}

/** A1111's `info` is JSON encoded as a string; kept as text when it does not parse. */
function parseInfo(info: unknown): unknown {
  if (typeof info !== "string") return info;
  try {
    return JSON.parse(info);
  } catch {
    return info;
  }
}

/**
 * One txt2img call: an image chunk per PNG (info: index, the parsed generation info, parameters).
 *
 * @example yield* a1111Generate(http, job, {}, signal);
 */
export async function* a1111Generate(http: HttpClient, job: ImageJob, d: A1111Defaults, signal: AbortSignal): AsyncGenerator<Chunk> {
  const { data } = await http.json({ method: "POST", path: "/sdapi/v1/txt2img", json: body(job, d), signal });
  if (!isObj(data)) throw malformed("diffusion", "txt2img did not answer with a JSON object");
  if (data.error !== undefined && !Array.isArray(data.images)) throw streamError("diffusion", data);
  if (!Array.isArray(data.images) || data.images.length === 0) throw malformed("diffusion", "txt2img returned no images");
  const info = parseInfo(data.info);
  const pngs = data.images.map((b64, i) => decodePng(b64, i));
  for (const [index, png] of pngs.entries()) yield { type: "image", png, mimeType: "image/png", info: { index, info, parameters: data.parameters } };
  yield usageChunk({ finishReason: "stop" });
}

/**
 * The checkpoints A1111 knows.
 *
 * @example const models = await a1111Models(http, signal);
 */
export async function a1111Models(http: HttpClient, signal?: AbortSignal): Promise<ModelInfo[]> {
  const { data } = await http.json({ path: "/sdapi/v1/sd-models", signal });
  if (!Array.isArray(data)) throw malformed("diffusion", "GET /sdapi/v1/sd-models did not return a list");
  return data.filter(isObj).map((m) => ({ id: String(m.model_name ?? m.title), details: { title: m.title, hash: m.hash, filename: m.filename } }));
}
