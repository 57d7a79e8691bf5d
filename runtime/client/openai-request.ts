/**
 * What a paying fetch (or the gateway) is asked for: an OpenAI-style request read once into bytes,
 * so that the bytes signed are exactly the bytes sent to the provider. Pure apart from reading the body.
 */
import { ClawError, isClawError } from "../core/errors.ts";

export type PaidRoute = "chat" | "images" | "transcriptions";

/** The OpenAI path suffixes the market serves, and the provider's path for each. */
const routes: ReadonlyArray<{ suffix: string; route: PaidRoute; path: string }> = [
  { suffix: "/chat/completions", route: "chat", path: "/v1/chat/completions" },
  { suffix: "/images/generations", route: "images", path: "/v1/images/generations" },
  { suffix: "/audio/transcriptions", route: "transcriptions", path: "/v1/audio/transcriptions" },
];

/** Bodies larger than this are refused before anything is read further (OpenAI's audio limit). */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

export type MarketRequest =
  | { kind: "models" }
  | { kind: "paid"; route: PaidRoute; path: string; model: string; stream: boolean; body: Uint8Array; contentType: string };

/** The route of a URL path, by its suffix (so any base URL works: `/v1`, `/openai/v1`, ...). Pure. */
export function routeOf(method: string, pathname: string): { kind: "models" } | { kind: "paid"; route: PaidRoute; path: string } | undefined {
  const p = pathname.replace(/\/+$/, "");
  if (method === "GET" && p.endsWith("/models")) return { kind: "models" };
  if (method !== "POST") return undefined;
  const r = routes.find((x) => p.endsWith(x.suffix));
  return r ? { kind: "paid", route: r.route, path: r.path } : undefined;
}

/**
 * Reads and checks a request: known route, bounded body, a `model` (JSON field or multipart field).
 *
 * @example
 * const r = await readMarketRequest(new Request("http://x/v1/chat/completions", { method: "POST", body }));
 */
export async function readMarketRequest(req: Request): Promise<MarketRequest> {
  const url = new URL(req.url);
  const found = routeOf(req.method.toUpperCase(), url.pathname);
  if (!found) {
    throw new ClawError("NOT_FOUND", {
      message: `${req.method} ${url.pathname.slice(0, 200)} is not served: use GET /v1/models, POST /v1/chat/completions, /v1/images/generations or /v1/audio/transcriptions.`,
    });
  }
  if (found.kind === "models") return found;
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw new ClawError("BODY_TOO_LARGE", { message: `The body is ${declared} bytes; at most ${MAX_BODY_BYTES} are accepted.` });
  const body = new Uint8Array(await req.arrayBuffer());
  if (body.byteLength > MAX_BODY_BYTES) throw new ClawError("BODY_TOO_LARGE", { message: `The body is ${body.byteLength} bytes; at most ${MAX_BODY_BYTES} are accepted.` });
  const contentType = req.headers.get("content-type") ?? "application/json";
  let model: unknown;
  let stream = false;
  if (contentType.toLowerCase().startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await new Response(body as Uint8Array<ArrayBuffer>, { headers: { "content-type": contentType } }).formData();
    } catch (cause) {
      throw new ClawError("BAD_REQUEST", { message: "The multipart body cannot be read.", cause });
    }
    model = form.get("model");
  } else {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(body));
    } catch (cause) {
      throw new ClawError("INVALID_JSON", { message: "The request body is not valid JSON.", cause });
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ClawError("VALIDATION_FAILED", { message: "The request body must be a JSON object." });
    model = (json as { model?: unknown }).model;
    stream = (json as { stream?: unknown }).stream === true;
  }
  if (typeof model !== "string" || model.length === 0 || model.length > 200) {
    throw new ClawError("VALIDATION_FAILED", { message: "`model` must be a model name of 1 to 200 characters.", details: { param: "model" } });
  }
  return { kind: "paid", route: found.route, path: found.path, model, stream, body, contentType };
}

/** The OpenAI error body for a ClawError: `{ error: { message, type, param, code, ...details } }` (ClawError's own JSON). Pure. */
export function openAiError(err: ClawError): { error: { message: string; type: string; param: string | null; code: string; [k: string]: unknown } } {
  return err.toJSON();
}

/** A JSON Response in the OpenAI error shape. */
export function errorResponse(err: unknown): Response {
  const e = isClawError(err) ? err : new ClawError("INTERNAL", { message: err instanceof Error ? err.message : String(err), cause: err });
  return new Response(JSON.stringify(openAiError(e), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)), { status: e.status, headers: { "content-type": "application/json" } });
}
