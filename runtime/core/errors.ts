/**
 * The one catalogue of error codes (Fastify's rule: codes live in one place, each with its HTTP
 * status and a sentence). Every error the runtime shows a user or a client is a `ClawError`
 * carrying one of these codes; the README's error table is generated from this list.
 */
export const errorCatalogue = {
  // --- request / input (4xx) ---
  BAD_REQUEST: { status: 400, message: "The request is malformed." },
  INVALID_JSON: { status: 400, message: "The request body is not valid JSON." },
  VALIDATION_FAILED: { status: 400, message: "The request does not match the expected schema." },
  BODY_TOO_LARGE: { status: 413, message: "The request body is larger than the limit." },
  HEADERS_TOO_LARGE: { status: 431, message: "The request headers are larger than the limit." },
  REQUEST_TIMEOUT: { status: 408, message: "The request did not arrive in time." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "The request content type is not supported." },
  NOT_FOUND: { status: 404, message: "Nothing is at this path." },
  UNKNOWN_MODEL: { status: 404, message: "No offering here serves this model." },
  UNKNOWN_STREAM: { status: 404, message: "The payment stream is not known." },
  UNKNOWN_JOB: { status: 404, message: "The job is not known." },
  RATE_LIMITED: { status: 429, message: "Too many requests from this client; retry after the time given." },
  ORIGIN_FORBIDDEN: { status: 403, message: "This origin or host may not use this route." },
  UNSUPPORTED_FEATURE: { status: 400, message: "The request asks for a feature this runtime does not support (`param` names the field)." },
  CAPABILITY_MISSING: { status: 400, message: "The offering's backend cannot do what the request needs: tools, images or JSON output (`param` names the field)." },
  // --- payment guard ---
  PAYMENT_REQUIRED: { status: 402, message: "This request needs a payment stream and a signature." },
  SIGNATURE_MISSING: { status: 401, message: "The payment signature header is missing." },
  SIGNATURE_MALFORMED: { status: 401, message: "The payment signature is malformed." },
  SIGNATURE_INVALID: { status: 401, message: "The payment signature is not by the stream's sender." },
  SESSION_KEY_INVALID: { status: 401, message: "The session key authorization is invalid." },
  DEADLINE_EXPIRED: { status: 401, message: "The signed deadline has passed." },
  BODY_HASH_MISMATCH: { status: 401, message: "The body does not match the signed hash." },
  NONCE_REPLAYED: { status: 409, message: "This nonce was already used on this stream." },
  STREAM_NOT_FOUND: { status: 402, message: "The payment stream does not exist on chain." },
  STREAM_WRONG_RECIPIENT: { status: 402, message: "The payment stream pays another provider." },
  STREAM_WRONG_OFFERING: { status: 402, message: "The payment stream is for another offering." },
  STREAM_RATE_TOO_LOW: { status: 402, message: "The stream's rate is below this offering's price." },
  STREAM_ENDED: { status: 402, message: "The payment stream is cancelled, settled or exhausted." },
  BUDGET_EXHAUSTED: { status: 402, message: "The stream's remaining budget cannot cover a job." },
  STREAM_ENDING: { status: 402, message: "The payment stream ends before a minimum job could run and be settled." },
  STREAM_BUSY: { status: 429, message: "The stream already runs as many jobs at once as its rate pays for (floor(rate / price)); none ended in time." },
  CHAIN_UNAVAILABLE: { status: 503, message: "The chain node cannot be reached to verify payment." },
  // --- capacity ---
  QUEUE_FULL: { status: 503, message: "The offering's queue is full." },
  SHUTTING_DOWN: { status: 503, message: "The runtime is shutting down." },
  // --- backends ---
  BACKEND_AUTH: { status: 502, message: "The backend refused our credentials." },
  BACKEND_RATE_LIMITED: { status: 429, message: "The backend is rate limiting requests." },
  BACKEND_OVERLOADED: { status: 503, message: "The backend is overloaded." },
  BACKEND_BAD_REQUEST: { status: 400, message: "The backend rejected the request." },
  BACKEND_UPSTREAM: { status: 502, message: "The backend failed with a server error." },
  BACKEND_STREAM_ERROR: { status: 502, message: "The backend reported an error inside its stream." },
  BACKEND_MALFORMED: { status: 502, message: "The backend sent a malformed or truncated response." },
  BACKEND_TIMEOUT: { status: 504, message: "The backend did not answer in time." },
  BACKEND_UNREACHABLE: { status: 502, message: "The backend cannot be reached." },
  JOB_ABORTED: { status: 499, message: "The job was aborted." },
  STREAM_CANCELLED: { status: 402, message: "The job was stopped because its payment stream was cancelled, settled or ran out on chain." },
  JOB_BUDGET_CUT: { status: 402, message: "The job was cut because the stream's budget ran out." },
  JOB_INTERRUPTED: { status: 500, message: "The runtime stopped while the job ran; it is billed up to its last durable progress." },
  // --- configuration and plugins (startup) ---
  CONFIG_INVALID: { status: 500, message: "The configuration is invalid." },
  PLUGIN_NOT_FOUND: { status: 500, message: "A backend plugin could not be found." },
  PLUGIN_LOAD_FAILED: { status: 500, message: "A backend plugin failed to load." },
  PLUGIN_OPTIONS_INVALID: { status: 500, message: "A backend plugin's options are invalid." },
  // --- store ---
  STORE_APPEND_ONLY: { status: 500, message: "The event log is append-only." },
  STORE_CORRUPT: { status: 500, message: "The event log file is corrupt or not a ClawCompute log." },
  STORE_TOO_NEW: { status: 500, message: "The event log was written by a newer version." },
  STORE_UNKNOWN_EVENT: { status: 500, message: "The event log holds an event type this version does not know." },
  STORE_READ_ONLY: { status: 500, message: "The event log file cannot be written." },
  STORE_DISK_FULL: { status: 507, message: "The disk holding the event log is full." },
  STORE_CHAIN_BROKEN: { status: 500, message: "The event log's hash chain is broken." },
  STORE_INVALID_EVENT: { status: 500, message: "An event does not match its type's fields." },
  STORE_NOT_FOUND: { status: 500, message: "No event log exists at this path." },
  STORE_CLOSED: { status: 500, message: "The event log is closed." },
  STORE_LOCKED: { status: 409, message: "Another running runtime holds this event log (one runtime per log and per wallet)." },
  STORE_CONFLICT: { status: 409, message: "The event log changed since the version the append expected; nothing was written." },
  STORE_DRIVER_UNAVAILABLE: { status: 500, message: "The SQLite driver for the event log cannot be loaded." },
  STORE_IO: { status: 500, message: "The event log file could not be read or written." },
  // --- consumer SDK / CLI (runtime/client) ---
  NO_PROVIDER: { status: 404, message: "No active provider serves this model." },
  UNKNOWN_PROVIDER: { status: 404, message: "No provider with this id is registered." },
  PRICE_ABOVE_MAX: { status: 402, message: "The provider's price is above the maximum price set." },
  PROVIDER_REFUSED: { status: 402, message: "The provider refused the payment (see its code)." },
  PROVIDER_FAILED: { status: 502, message: "The provider answered with an error (see its code)." },
  PROVIDER_UNREACHABLE: { status: 502, message: "The provider's endpoint cannot be reached." },
  QUOTE_MISMATCH: { status: 502, message: "The provider's quote does not match its registry entry." },
  SPEND_LIMIT_REACHED: { status: 402, message: "This request could take the spending past a configured limit (per hour or per day); nothing was opened or paid." },
  RECEIPT_INVALID: { status: 502, message: "The provider's signed job receipt is missing or does not match the request, the billed cost or the answer received (details.mismatch names the check)." },
  PROVIDERS_EXHAUSTED: { status: 503, message: "Every provider of the model failed or refused before answering; nothing was charged. Retry later." },
  GATEWAY_KEY_INVALID: { status: 401, message: "The gateway needs its local API key as `Authorization: Bearer <key>`." },
  // --- chain ---
  CHAIN_TX_FAILED: { status: 502, message: "A chain transaction failed." },
  CHAIN_REVERTED: { status: 502, message: "The contract refused the call (details.errorName names the reason)." },
  CHAIN_ERROR: { status: 502, message: "The chain returned an error." },
  CHAIN_PAGE_CAP: { status: 502, message: "A paged chain listing reached its page cap before its end; nothing was cut silently (details name the listing and the cap)." },
  INTERNAL: { status: 500, message: "Internal error." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** Extra machine-readable fields an error carries to the client (e.g. a quote, retry-after). */
export type ErrorDetails = Record<string, unknown>;

/**
 * The project's one error type: a code from the catalogue, its HTTP status, a sentence naming
 * what is wrong, optional details for the client and the underlying cause.
 *
 * @example
 * throw new ClawError("STREAM_RATE_TOO_LOW", {
 *   message: "Stream 7 pays 10 wei/s; this offering costs 25 wei/s.",
 *   details: { streamRate: "10", price: "25" },
 * });
 */
/**
 * Marks ClawErrors across copies of this module (the compiled CLI dispatcher and the SDK package load
 * their own copy, so `instanceof` alone misses errors thrown by the other copy).
 */
const clawErrorBrand = Symbol.for("clawcompute.ClawError");

export class ClawError extends Error {
  readonly [clawErrorBrand] = true;
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetails | undefined;

  constructor(code: ErrorCode, opts: { message?: string; details?: ErrorDetails; cause?: unknown } = {}) {
    super(opts.message ?? errorCatalogue[code].message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ClawError";
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.details = opts.details;
  }

  /**
   * The JSON body a client receives, in OpenAI's error shape with our details beside it:
   * `{ error: { message, type, param, code, ...details } }` (`code` is the catalogue's code).
   */
  toJSON(): { error: { message: string; type: string; param: string | null; code: ErrorCode } & ErrorDetails } {
    const param = typeof this.details?.param === "string" ? this.details.param : null;
    return { error: { ...(this.details ?? {}), message: this.message, type: openAiErrorType(this.status), param, code: this.code } };
  }
}

/**
 * OpenAI's `error.type` for an HTTP status (the names OpenAI's API answers with).
 *
 * @example openAiErrorType(429) // "rate_limit_error"
 */
export function openAiErrorType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 402) return "insufficient_quota";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 409) return "conflict_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** True when `err` is a ClawError (from any copy of this module), optionally with the given code. */
export function isClawError(err: unknown, code?: ErrorCode): err is ClawError {
  const branded = err instanceof ClawError || (typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[clawErrorBrand] === true);
  return branded && (code === undefined || (err as ClawError).code === code);
}
