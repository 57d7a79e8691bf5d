/**
 * The paid calls of one stream, each body signed by the stream's payment signer: chat (streamed
 * tokens), images and transcriptions (whole answers). The signer signs the exact bytes sent. Each
 * answer's job receipt is verified against the proof sent, the billed cost and the output received
 * (verify-receipt.ts); the result carries the verified receipt or the RECEIPT_INVALID error.
 */
import type { Hex } from "viem";
import { bodyHashOf, fromBase64Url, paymentHeaders } from "../core/payment.ts";
import type { DeliveredOutput } from "../core/receipt.ts";
import type { PaymentSigner } from "./payment-signer.ts";
import { chatPieces, parseBilling, type ChatPiece, type WireBilling } from "./chat-stream.ts";
import { providerFetch } from "./provider-http.ts";
import { DEFAULT_ANSWER_LIMITS, readCappedJson } from "./answer-limits.ts";
import type { ChatMessage, ImageResult, InferOptions, JobBilling, ReceiptResult, ToolCall, TranscriptionResult } from "./types.ts";
import { receiptOutcome, verifyReceipt, type ReceiptTerms, type SentProof } from "./verify-receipt.ts";

/** `terms`: what every receipt on this stream is checked against (recipient, price, time cap). */
export type PaidTarget = { endpoint: string; model: string; signer: PaymentSigner; terms: ReceiptTerms };

/** A chat piece; the `end` piece carries the receipt check of the whole answer. */
export type PaidChatPiece = Exclude<ChatPiece, { type: "end" }> | (Extract<ChatPiece, { type: "end" }> & ReceiptResult);

async function signedPost(t: PaidTarget, path: string, body: Uint8Array | string, contentType: string, signal?: AbortSignal): Promise<{ res: Response; sent: SentProof }> {
  const proof = await t.signer.headers(body, { method: "POST", path });
  const sent: SentProof = {
    streamId: BigInt(proof[paymentHeaders.stream]!), nonce: BigInt(proof[paymentHeaders.nonce]!),
    requestHash: (proof[paymentHeaders.bodyHash] as Hex | undefined) ?? bodyHashOf(body),
  };
  const res = await providerFetch(t.endpoint, path, { method: "POST", body: body as BodyInit, headers: { ...proof, "content-type": contentType }, ...(signal ? { signal } : {}) });
  return { res, sent };
}

async function checkReceipt(t: PaidTarget, sent: SentProof, billing: JobBilling, received: DeliveredOutput): Promise<ReceiptResult> {
  const check = await verifyReceipt(billing.receipt, { ...t.terms, sent, billedCost: billing.cost, received });
  return receiptOutcome(check, t.endpoint, billing.jobId);
}

const toolOutput = (calls: ToolCall[]) => calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments }));

/** Messages from a prompt or a conversation. */
export function toMessages(input: string | ChatMessage[]): ChatMessage[] {
  return typeof input === "string" ? [{ role: "user", content: input }] : input;
}

/**
 * POST /v1/chat/completions with stream: true; yields text pieces, the tool calls (if any), then the
 * billing with its receipt check (over the text and tool calls yielded before it).
 *
 * @example
 * for await (const p of chatCompletion(target, "hello")) if (p.type === "text") process.stdout.write(p.text);
 */
export async function* chatCompletion(t: PaidTarget, input: string | ChatMessage[], o: InferOptions = {}): AsyncGenerator<PaidChatPiece> {
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
  const { res, sent } = await signedPost(t, "/v1/chat/completions", body, "application/json", o.signal);
  if (!res.body) return;
  let text = "";
  let calls: ToolCall[] = [];
  for await (const piece of chatPieces(res.body, t.endpoint)) {
    if (piece.type === "end") {
      yield { ...piece, ...(await checkReceipt(t, sent, piece.billing, { text, toolCalls: toolOutput(calls) })) };
      continue;
    }
    if (piece.type === "text") text += piece.text;
    else calls = piece.calls;
    yield piece;
  }
}

/** POST /v1/images/generations; the PNG bytes of each image. */
export async function generateImages(t: PaidTarget, prompt: string, o: { n?: number; size?: string; seed?: number; signal?: AbortSignal } = {}): Promise<ImageResult> {
  const body = JSON.stringify({ model: t.model, prompt, response_format: "b64_json", ...(o.n ? { n: o.n } : {}), ...(o.size ? { size: o.size } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  const { res, sent } = await signedPost(t, "/v1/images/generations", body, "application/json", o.signal);
  const json = await readCappedJson<{ data: Array<{ b64_json: string }>; claw: WireBilling }>(res, DEFAULT_ANSWER_LIMITS.maxBodyBytes, t.endpoint);
  const images = json.data.map((d) => fromBase64Url(d.b64_json)); /* plain base64 decodes too */
  const billing = parseBilling(json.claw);
  return { images, billing, ...(await checkReceipt(t, sent, billing, { images })) };
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
  const { res, sent } = await signedPost(t, "/v1/audio/transcriptions", bytes, encoded.headers.get("content-type")!, o.signal);
  const json = await readCappedJson<{ text: string; language?: string; duration?: number; claw: WireBilling }>(res, DEFAULT_ANSWER_LIMITS.maxBodyBytes, t.endpoint);
  const billing = parseBilling(json.claw);
  return {
    text: json.text, billing,
    ...(json.language !== undefined ? { language: json.language } : {}), ...(json.duration !== undefined && json.duration !== null ? { duration: json.duration } : {}),
    ...(await checkReceipt(t, sent, billing, { text: json.text })),
  };
}
