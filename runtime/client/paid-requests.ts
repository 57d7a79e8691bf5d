/**
 * The paid calls of one stream, each body signed by the stream's payment signer: chat (streamed
 * tokens), images and transcriptions (whole answers). The signer signs the exact bytes sent.
 */
import { fromBase64Url } from "../core/payment.ts";
import type { PaymentSigner } from "./payment-signer.ts";
import { chatPieces, parseBilling, type ChatPiece, type WireBilling } from "./chat-stream.ts";
import { providerFetch } from "./provider-http.ts";
import { DEFAULT_ANSWER_LIMITS, readCappedJson } from "./answer-limits.ts";
import type { ChatMessage, ImageResult, InferOptions, TranscriptionResult } from "./types.ts";

export type PaidTarget = { endpoint: string; model: string; signer: PaymentSigner };

async function signedPost(t: PaidTarget, path: string, body: Uint8Array | string, contentType: string, signal?: AbortSignal): Promise<Response> {
  const headers = { ...(await t.signer.headers(body, { method: "POST", path })), "content-type": contentType };
  return providerFetch(t.endpoint, path, { method: "POST", body: body as BodyInit, headers, ...(signal ? { signal } : {}) });
}

/** Messages from a prompt or a conversation. */
export function toMessages(input: string | ChatMessage[]): ChatMessage[] {
  return typeof input === "string" ? [{ role: "user", content: input }] : input;
}

/**
 * POST /v1/chat/completions with stream: true; yields text pieces, the tool calls (if any), then the billing.
 *
 * @example
 * for await (const p of chatCompletion(target, "hello")) if (p.type === "text") process.stdout.write(p.text);
 */
export async function* chatCompletion(t: PaidTarget, input: string | ChatMessage[], o: InferOptions = {}): AsyncGenerator<ChatPiece> {
  const body = JSON.stringify({
    model: t.model,
    messages: toMessages(input),
    stream: true,
    ...(o.maxTokens !== undefined ? { max_tokens: o.maxTokens } : {}),
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.tools !== undefined ? { tools: o.tools } : {}),
    ...(o.toolChoice !== undefined ? { tool_choice: o.toolChoice } : {}),
    ...(o.parallelToolCalls !== undefined ? { parallel_tool_calls: o.parallelToolCalls } : {}),
  });
  const res = await signedPost(t, "/v1/chat/completions", body, "application/json", o.signal);
  if (!res.body) return;
  yield* chatPieces(res.body, t.endpoint);
}

/** POST /v1/images/generations; the PNG bytes of each image. */
export async function generateImages(t: PaidTarget, prompt: string, o: { n?: number; size?: string; seed?: number; signal?: AbortSignal } = {}): Promise<ImageResult> {
  const body = JSON.stringify({ model: t.model, prompt, response_format: "b64_json", ...(o.n ? { n: o.n } : {}), ...(o.size ? { size: o.size } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  const res = await signedPost(t, "/v1/images/generations", body, "application/json", o.signal);
  const json = await readCappedJson<{ data: Array<{ b64_json: string }>; claw: WireBilling }>(res, DEFAULT_ANSWER_LIMITS.maxBodyBytes, t.endpoint);
  return { images: json.data.map((d) => fromBase64Url(d.b64_json)) /* plain base64 decodes too */, billing: parseBilling(json.claw) };
}

/** POST /v1/audio/transcriptions (multipart; the proof signs the exact multipart bytes). */
export async function transcribe(
  t: PaidTarget,
  audio: Uint8Array,
  o: { filename?: string; mimeType?: string; language?: string; prompt?: string; signal?: AbortSignal } = {},
): Promise<TranscriptionResult> {
  const form = new FormData();
  form.set("file", new Blob([audio as Uint8Array<ArrayBuffer>], { type: o.mimeType ?? "application/octet-stream" }), o.filename ?? "audio");
  form.set("model", t.model);
  form.set("response_format", "verbose_json");
  if (o.language) form.set("language", o.language);
  if (o.prompt) form.set("prompt", o.prompt);
  // Serialize once so the bytes signed are the bytes sent (the boundary is in the content type).
  const encoded = new Request("http://claw.invalid/", { method: "POST", body: form });
  const bytes = new Uint8Array(await encoded.arrayBuffer());
  const res = await signedPost(t, "/v1/audio/transcriptions", bytes, encoded.headers.get("content-type")!, o.signal);
  const json = await readCappedJson<{ text: string; language?: string; duration?: number; claw: WireBilling }>(res, DEFAULT_ANSWER_LIMITS.maxBodyBytes, t.endpoint);
  return {
    text: json.text, billing: parseBilling(json.claw),
    ...(json.language !== undefined ? { language: json.language } : {}), ...(json.duration !== undefined && json.duration !== null ? { duration: json.duration } : {}),
  };
}
