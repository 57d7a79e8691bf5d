/**
 * Reads `messages` of an OpenAI chat body into the plugin contract's messages: content as a string
 * or parts (text; images as data: URLs), roles system/developer/user/assistant(tool_calls,
 * content null)/tool(tool_call_id). Everything else is refused with the field's path in `param`.
 *
 * Images by http(s) URL are refused (UNSUPPORTED_FEATURE): fetching a URL the consumer chose from
 * the provider's network is a request-forgery risk (internal addresses, cloud metadata), and the
 * fetched bytes would be neither signed by the payment proof nor bounded by the body limit. The
 * consumer sends the image inline as `data:image/...;base64,...` instead.
 */
import type { ChatMessage, ContentPart, ToolCall } from "../../../plugins/types.ts";
import { ClawError } from "../../core/errors.ts";

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** 400 VALIDATION_FAILED naming the field. */
export function invalid(param: string, problem: string): ClawError {
  return new ClawError("VALIDATION_FAILED", { message: `Invalid request: ${param} ${problem}.`, details: { param } });
}

/** 400 UNSUPPORTED_FEATURE naming the field. */
export function unsupported(param: string, why: string): ClawError {
  return new ClawError("UNSUPPORTED_FEATURE", { message: `${param} is not supported here: ${why}.`, details: { param } });
}

export const MAX_MESSAGES = 2048;
export const MAX_TOOL_CALLS = 128;
const imageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const dataUrl = /^data:([a-z]+\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]*={0,2})$/;

export function str(v: unknown, param: string, max = Number.MAX_SAFE_INTEGER): string {
  if (typeof v !== "string") throw invalid(param, "must be a string");
  if (v.length > max) throw invalid(param, `must be at most ${max} characters`);
  return v;
}

function imagePart(v: Obj, param: string): ContentPart {
  const image = v.image_url;
  if (!isObj(image)) throw invalid(`${param}.image_url`, "must be an object with a url");
  const url = str(image.url, `${param}.image_url.url`);
  if (/^https?:/i.test(url)) {
    throw unsupported(`${param}.image_url.url`, "the provider does not fetch image URLs (a request-forgery risk, and the bytes would not be covered by the payment proof); send the image inline as a data: URL");
  }
  const m = dataUrl.exec(url);
  if (!m) throw invalid(`${param}.image_url.url`, "must be a data:<image type>;base64,<data> URL");
  if (!imageTypes.includes(m[1]!)) throw unsupported(`${param}.image_url.url`, `image type ${m[1]} (accepted: ${imageTypes.join(", ")})`);
  const part: ContentPart = { type: "image", mimeType: m[1]!, base64: m[2]! };
  const detail = image.detail;
  if (detail !== undefined && detail !== null) {
    if (detail !== "auto" && detail !== "low" && detail !== "high") throw invalid(`${param}.image_url.detail`, "must be auto, low or high");
    part.detail = detail;
  }
  return part;
}

/** A content value: a string, or parts (images only where `images` is true). */
function content(v: unknown, param: string, images: boolean): string | ContentPart[] {
  if (typeof v === "string") return v;
  if (!Array.isArray(v)) throw invalid(param, "must be a string or an array of content parts");
  return v.map((p, j): ContentPart => {
    const at = `${param}[${j}]`;
    if (!isObj(p)) throw invalid(at, "must be a content part object");
    if (p.type === "text") return { type: "text", text: str(p.text, `${at}.text`) };
    if (p.type === "image_url") {
      if (!images) throw invalid(`${at}.type`, "image_url parts are only accepted in user messages");
      return imagePart(p, at);
    }
    throw unsupported(`${at}.type`, `content part type ${JSON.stringify(String(p.type)).slice(0, 40)} (accepted: text, image_url)`);
  });
}

function toolCalls(v: unknown, param: string): ToolCall[] {
  if (!Array.isArray(v)) throw invalid(param, "must be an array");
  if (v.length > MAX_TOOL_CALLS) throw invalid(param, `must have at most ${MAX_TOOL_CALLS} calls`);
  return v.map((c, k) => {
    const at = `${param}[${k}]`;
    if (!isObj(c)) throw invalid(at, "must be an object");
    if (c.type !== "function") throw unsupported(`${at}.type`, "only function tool calls are accepted");
    if (!isObj(c.function)) throw invalid(`${at}.function`, "must be an object with name and arguments");
    return { id: str(c.id, `${at}.id`, 256), name: str(c.function.name, `${at}.function.name`, 64), arguments: str(c.function.arguments, `${at}.function.arguments`) };
  });
}

/** One message; `i` is its index (for `param`). */
function message(m: unknown, i: number): ChatMessage {
  const at = `messages[${i}]`;
  if (!isObj(m)) throw invalid(at, "must be an object");
  const role = m.role;
  const out = ((): ChatMessage => {
    if (role === "system" || role === "developer") return { role, content: content(m.content, `${at}.content`, false) };
    if (role === "user") return { role, content: content(m.content, `${at}.content`, true) };
    if (role === "tool") return { role, content: content(m.content, `${at}.content`, false), toolCallId: str(m.tool_call_id, `${at}.tool_call_id`, 256) };
    if (role === "assistant") {
      const calls = m.tool_calls === undefined || m.tool_calls === null ? [] : toolCalls(m.tool_calls, `${at}.tool_calls`);
      const c = m.content === undefined || m.content === null ? null : content(m.content, `${at}.content`, false);
      if (c === null && calls.length === 0) throw invalid(`${at}.content`, "may be null only when the message has tool_calls");
      return { role, content: c, ...(calls.length > 0 ? { toolCalls: calls } : {}) };
    }
    if (role === "function") throw unsupported(`${at}.role`, "the legacy function role; use tool messages");
    throw invalid(`${at}.role`, "must be system, developer, user, assistant or tool");
  })();
  if (m.name !== undefined && m.name !== null) out.name = str(m.name, `${at}.name`, 64);
  return out;
}

/**
 * @example readMessages([{ role: "user", content: [{ type: "text", text: "hi" }] }])
 */
export function readMessages(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || v.length === 0) throw invalid("messages", "must be a non-empty array");
  if (v.length > MAX_MESSAGES) throw invalid("messages", `must have at most ${MAX_MESSAGES} messages`);
  return v.map(message);
}
