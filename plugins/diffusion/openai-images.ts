/**
 * The OpenAI images API (and servers that copy it): POST /images/generations with
 * `response_format: "b64_json"` -> `{created, data: [{b64_json, revised_prompt?}], usage?}`.
 * No negative prompt, steps or seed in this API: those job fields are not sent.
 */
import { malformed, streamError } from "../lib/errors.ts";
import type { HttpClient } from "../lib/http.ts";
import { num, usageChunk } from "../lib/usage.ts";
import type { Chunk, ImageJob } from "../types.ts";
import { decodePng, imageSize, isObj, type Obj } from "./shared.ts";

/**
 * One generations call: an image chunk per `b64_json`, usage when the server reports tokens.
 *
 * @example yield* openaiGenerate(http, job, true, signal);
 */
export async function* openaiGenerate(http: HttpClient, job: ImageJob, sendResponseFormat: boolean, signal: AbortSignal): AsyncGenerator<Chunk> {
  const size = imageSize(job);
  const body: Obj = { model: job.model, prompt: job.prompt, n: job.n ?? 1 };
  if (size) body.size = `${size.width}x${size.height}`;
  if (sendResponseFormat) body.response_format = "b64_json";
  const { data } = await http.json({ method: "POST", path: "/images/generations", json: body, signal });
  if (!isObj(data)) throw malformed("diffusion", "images/generations did not answer with a JSON object");
  if (data.error !== undefined && data.error !== null) throw streamError("diffusion", data);
  if (!Array.isArray(data.data) || data.data.length === 0) throw malformed("diffusion", "images/generations returned no data");
  const items = data.data.filter(isObj);
  const pngs = items.map((item, i) => {
    if (typeof item.b64_json !== "string" && typeof item.url === "string") throw malformed("diffusion", "the server returned a URL instead of b64_json");
    return decodePng(item.b64_json, i);
  });
  for (const [index, png] of pngs.entries()) {
    const info: Obj = { index, created: data.created };
    if (typeof items[index]?.revised_prompt === "string") info.revisedPrompt = items[index]!.revised_prompt;
    yield { type: "image", png, mimeType: "image/png", info };
  }
  const usage = isObj(data.usage) ? data.usage : {};
  yield usageChunk({ promptTokens: num(usage.input_tokens), completionTokens: num(usage.output_tokens), totalTokens: num(usage.total_tokens), finishReason: "stop" });
}
