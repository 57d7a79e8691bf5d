/**
 * Turning what a backend says into the project's error codes, in one place for every plugin:
 * HTTP status -> code, the backend's own message out of its error body, retry-after, and the
 * abort error a cancelled job ends with.
 */
import { ClawError, type ErrorCode } from "../../runtime/core/errors.ts";

export type BackendErrorCode = Extract<ErrorCode, `BACKEND_${string}`>;

/**
 * The code for an HTTP error status. `overrides` lets a backend say what its odd statuses mean
 * (TGI answers 429 when overloaded, 424 when generation failed).
 *
 * @example statusToCode(401) // "BACKEND_AUTH"
 */
export function statusToCode(status: number, overrides: Partial<Record<number, BackendErrorCode>> = {}): BackendErrorCode {
  const override = overrides[status];
  if (override) return override;
  if (status === 401 || status === 403) return "BACKEND_AUTH";
  if (status === 429) return "BACKEND_RATE_LIMITED";
  if (status === 503 || status === 529) return "BACKEND_OVERLOADED";
  if (status === 408 || status === 504) return "BACKEND_TIMEOUT";
  if (status >= 400 && status < 500) return "BACKEND_BAD_REQUEST";
  return "BACKEND_UPSTREAM";
}

/**
 * Seconds from a `retry-after` header: delta-seconds or an HTTP date; undefined when absent or odd.
 *
 * @example parseRetryAfter("7") // 7
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === "") return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** The message, type and code a backend put in its error body, whichever of the known shapes it used. */
export interface BackendErrorInfo {
  message: string;
  type?: string;
  code?: string;
}

function asText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === "object" && x && "msg" in x ? String(x.msg) : JSON.stringify(x))).join("; ");
  return undefined;
}

/** A backend's text is outside input: it is logged, stored in the job's event and echoed to the consumer. */
const MAX_MESSAGE = 500;
const MAX_FIELD = 100;
const bounded = (s: string, max: number): string => (s.length > max ? `${s.slice(0, max)}…` : s);

/**
 * Reads an error body (bounded: message ≤ 500 characters, type and code ≤ 100) in any of the shapes the backends use: OpenAI/Groq `{error:{message,type,code}}`,
 * Ollama/whisper.cpp `{error:"..."}`, TGI `{error, error_type}`, old vLLM `{object:"error", message}`,
 * FastAPI/A1111 `{detail}` or `{error, detail}`; anything else is the (shortened) raw text.
 *
 * @example extractBackendError('{"error":"model not found"}').message // "model not found"
 */
export function extractBackendError(body: unknown): BackendErrorInfo {
  const info = readBackendError(body);
  const field = (v: string | undefined) => (v === undefined ? undefined : bounded(v, MAX_FIELD));
  return "type" in info || "code" in info
    ? { message: bounded(info.message, MAX_MESSAGE), type: field(info.type), code: field(info.code) }
    : { message: bounded(info.message, MAX_MESSAGE) };
}

function readBackendError(body: unknown): BackendErrorInfo {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      const text = body.trim();
      return { message: text === "" ? "(empty body)" : text };
    }
  }
  if (parsed && typeof parsed === "object") {
    const o = parsed as Record<string, unknown>;
    const err = o.error;
    if (err && typeof err === "object" && !Array.isArray(err)) {
      const e = err as Record<string, unknown>;
      return { message: asText(e.message) ?? JSON.stringify(e), type: asText(e.type), code: asText(e.code) };
    }
    const errText = asText(err);
    const detail = asText(o.detail);
    if (errText !== undefined) {
      // A1111 puts the exception class in `error` and the text in `detail`.
      const message = detail && detail !== errText ? `${errText}: ${detail}` : errText;
      return { message, type: asText(o.error_type) ?? asText(o.type), code: asText(o.code) };
    }
    if (asText(o.message) !== undefined) return { message: asText(o.message)!, type: asText(o.type), code: asText(o.code) };
    if (detail !== undefined) return { message: detail };
  }
  return { message: JSON.stringify(parsed) ?? "(empty body)" };
}

/**
 * The ClawError for a non-2xx answer: the code from the status, the backend's own message in the
 * sentence, and `details` with backend, backendStatus, backendType/backendCode and retryAfterSeconds.
 *
 * @example throw httpError("groq", 429, headers, bodyText)
 */
export function httpError(
  backend: string,
  status: number,
  headers: Headers,
  bodyText: string,
  overrides: Partial<Record<number, BackendErrorCode>> = {},
): ClawError {
  const code = statusToCode(status, overrides);
  const info = extractBackendError(bodyText);
  const retryAfterSeconds = parseRetryAfter(headers.get("retry-after"));
  const details: Record<string, unknown> = { backend, backendStatus: status };
  if (info.type !== undefined) details.backendType = info.type;
  if (info.code !== undefined) details.backendCode = info.code;
  if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
  return new ClawError(code, { message: `${backend} answered HTTP ${status}: ${info.message}`, details });
}

/**
 * The error for a backend that reported a failure inside a successful (200) response or stream.
 *
 * @example throw streamError("ollama", { error: "model crashed" })
 */
export function streamError(backend: string, body: unknown): ClawError {
  const info = extractBackendError(body);
  const details: Record<string, unknown> = { backend, backendStatus: 200 };
  if (info.type !== undefined) details.backendType = info.type;
  if (info.code !== undefined) details.backendCode = info.code;
  return new ClawError("BACKEND_STREAM_ERROR", { message: `${backend} reported an error in its response: ${info.message}`, details });
}

/**
 * A malformed or truncated response.
 *
 * @example throw malformed("tgi", "the stream ended before its final event")
 */
export function malformed(backend: string, what: string, cause?: unknown): ClawError {
  return new ClawError("BACKEND_MALFORMED", { message: `${backend} sent a malformed response: ${what}`, details: { backend }, cause });
}

/**
 * The error a job ends with when its signal aborts: the signal's reason when that is already a
 * ClawError (the runtime's JOB_BUDGET_CUT, say), otherwise JOB_ABORTED.
 *
 * @example if (signal.aborted) throw abortError(signal)
 */
export function abortError(signal: AbortSignal): ClawError {
  const reason: unknown = signal.reason;
  if (reason instanceof ClawError) return reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? "" : String(reason);
  return new ClawError("JOB_ABORTED", { message: `The job was aborted${why ? `: ${why}` : ""}.`, cause: reason });
}
