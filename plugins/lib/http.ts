/**
 * The one HTTP helper every HTTP backend uses: web-standard fetch with a timeout until the response
 * headers, an idle timeout between body chunks, the job's AbortSignal wired so that aborting closes
 * the upstream connection at once, and non-2xx answers turned into ClawErrors (errors.ts).
 * No retries here: retry.ts wraps whole attempts so that nothing is retried after a chunk was yielded.
 */
import { ClawError } from "../../runtime/core/errors.ts";
import { abortError, httpError, malformed, type BackendErrorCode } from "./errors.ts";

export interface HttpClientOptions {
  /** The backend's name, used in every error sentence ("groq answered HTTP 429: ..."). */
  backend: string;
  baseUrl: string;
  headers?: Record<string, string>;
  /** Milliseconds until the response headers arrive (connect + queue + first byte). */
  timeoutMs: number;
  /** Milliseconds allowed between two body chunks (and from the headers to the first chunk). */
  idleTimeoutMs: number;
  fetch?: typeof fetch;
  /** Backend-specific meanings of statuses, e.g. TGI `{ 429: "BACKEND_OVERLOADED" }`. */
  statusOverrides?: Partial<Record<number, BackendErrorCode>>;
}

export interface HttpRequest {
  method?: "GET" | "POST";
  path: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this request (health checks use a short one). */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body, chunk by chunk. Idle timeout -> BACKEND_TIMEOUT, dropped connection -> BACKEND_MALFORMED. */
  chunks(): AsyncGenerator<Uint8Array>;
  text(): Promise<string>;
  /** The body parsed as JSON (BACKEND_MALFORMED when it is not). */
  json(): Promise<unknown>;
  /** Closes the upstream request if it is still open (idempotent). */
  close(): void;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** GET or POST and parse the JSON answer. */
  json(req: HttpRequest): Promise<{ data: unknown; headers: Headers }>;
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

function causeText(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = cause && typeof cause === "object" && "code" in cause ? ` (${String(cause.code)})` : "";
  return `${cause instanceof Error ? cause.message : String(cause)}${code}`;
}

/**
 * Creates the HTTP client of one backend instance.
 *
 * @example
 * const http = createHttpClient({ backend: "ollama", baseUrl: "http://127.0.0.1:11434", timeoutMs: 60_000, idleTimeoutMs: 60_000 });
 * const res = await http.request({ method: "POST", path: "/api/chat", json: body, signal });
 * for await (const bytes of res.chunks()) { ... }
 */
export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const backend = opts.backend;

  async function request(req: HttpRequest): Promise<HttpResponse> {
    const outer = req.signal;
    if (outer?.aborted) throw abortError(outer);
    const url = joinUrl(opts.baseUrl, req.path);
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs;
    const ac = new AbortController();
    let timedOut: "headers" | "idle" | undefined;
    let finished = false;
    const onAbort = (): void => ac.abort(outer?.reason);
    outer?.addEventListener("abort", onAbort, { once: true });
    const close = (): void => {
      outer?.removeEventListener("abort", onAbort);
      if (!finished && !ac.signal.aborted) ac.abort();
      finished = true;
    };
    const failure = (err: unknown, phase: "connect" | "body"): ClawError => {
      if (outer?.aborted) return abortError(outer);
      if (err instanceof ClawError) return err;
      if (timedOut === "headers") {
        return new ClawError("BACKEND_TIMEOUT", { message: `${backend} did not answer within ${timeoutMs} ms (${url}).`, details: { backend, timeoutMs } });
      }
      if (timedOut === "idle") {
        return new ClawError("BACKEND_TIMEOUT", {
          message: `${backend} sent nothing for ${opts.idleTimeoutMs} ms in the middle of its response (${url}).`,
          details: { backend, idleTimeoutMs: opts.idleTimeoutMs },
        });
      }
      if (phase === "connect") {
        return new ClawError("BACKEND_UNREACHABLE", { message: `${backend} cannot be reached at ${url}: ${causeText(err)}.`, details: { backend }, cause: err });
      }
      return malformed(backend, `the connection closed before the response was complete (${causeText(err)})`, err);
    };

    const headers: Record<string, string> = { ...opts.headers, ...req.headers };
    let body: string | FormData | undefined;
    if (req.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(req.json);
    } else if (req.form) body = req.form;

    const headersTimer = setTimeout(() => {
      timedOut = "headers";
      ac.abort();
    }, timeoutMs);
    let res: Response;
    try {
      res = await doFetch(url, { method: req.method ?? (body === undefined ? "GET" : "POST"), headers, body, signal: ac.signal });
    } catch (err) {
      close();
      throw failure(err, "connect");
    } finally {
      clearTimeout(headersTimer);
    }

    async function* chunks(): AsyncGenerator<Uint8Array> {
      const reader = res.body?.getReader();
      try {
        while (reader) {
          const idleTimer = setTimeout(() => {
            timedOut = "idle";
            ac.abort();
          }, opts.idleTimeoutMs);
          let step: ReadableStreamReadResult<Uint8Array>;
          try {
            step = await reader.read();
          } catch (err) {
            throw failure(err, "body");
          } finally {
            clearTimeout(idleTimer);
          }
          if (step.done) break;
          yield step.value;
        }
        finished = true;
      } finally {
        // Stopped early (consumer returned, error, abort): close the upstream request now.
        close();
      }
    }

    async function text(): Promise<string> {
      const decoder = new TextDecoder();
      let out = "";
      for await (const bytes of chunks()) out += decoder.decode(bytes, { stream: true });
      return out + decoder.decode();
    }

    async function json(): Promise<unknown> {
      const raw = await text();
      try {
        return JSON.parse(raw);
      } catch (err) {
        throw malformed(backend, `the body is not JSON: ${raw.slice(0, 120)}`, err);
      }
    }

    if (!res.ok) {
      let errorBody = "";
      try {
        errorBody = await text();
      } catch (err) {
        if (outer?.aborted) throw abortError(outer);
        // A body we cannot read still leaves the status to report.
      }
      throw httpError(backend, res.status, res.headers, errorBody, opts.statusOverrides);
    }
    return { status: res.status, headers: res.headers, chunks, text, json, close };
  }

  return {
    request,
    async json(req) {
      const res = await request(req);
      return { data: await res.json(), headers: res.headers };
    },
  };
}
