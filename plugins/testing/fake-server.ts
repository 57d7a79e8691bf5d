/**
 * The base of every fake backend used in plugin tests: a node:http server on 127.0.0.1, port 0,
 * that records what it received, plays a failure mode per request (queue or default), and notices
 * when the client closes the connection before the answer is complete (to prove that aborting a
 * job closes the upstream request). Test-only code: it may use node:*.
 */
import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What a fake can be told to do for a request. */
export type FakeMode =
  | "ok"
  | "auth" // 401
  | "rate-limit" // 429 with retry-after
  | "overloaded" // 503 (TGI: 429)
  | "bad-request" // 400 / 422
  | "upstream" // 500
  | "stream-error" // an error inside a 200 stream (after one token)
  | "malformed" // a chunk that is not valid (after one token)
  | "truncated" // one token, then the connection is destroyed
  | "ended-early" // one token, then a clean end without the final event
  | "stall" // one token, then nothing until the client gives up
  | "stall-headers"; // no answer at all

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
  /** The body parsed as JSON when it was JSON. */
  json?: unknown;
}

export interface FakeExchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  received: Received;
  mode: FakeMode;
  fake: FakeServer;
}

export interface FakeServer {
  url: string;
  received: Received[];
  /** Requests whose client closed the connection before the fake finished answering. */
  clientClosedEarly: number;
  /** The reply every fake streams, token by token. */
  reply: string[];
  /** The retry-after header value sent with 429 / 503 answers. */
  retryAfter: string;
  setMode(mode: FakeMode): void;
  /** Modes for the next requests, in order; after them the default mode applies again. */
  queue(...modes: FakeMode[]): void;
  /** Resolves when a client closes a connection early (rejects after `ms`). */
  waitForClientClose(ms?: number): Promise<void>;
  /** Resolves when `n` requests have arrived (rejects after `ms`). */
  waitForRequests(n: number, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export type FakeHandler = (x: FakeExchange) => void | Promise<void>;

/** The marker every fake puts in its error messages, so tests can check the message came through. */
export function marker(mode: FakeMode): string {
  return `[fake:${mode}]`;
}

function waitFor(check: () => boolean, ms: number, what: string, listeners: Array<() => void>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => reject(new Error(`fake server: timed out waiting for ${what}`)), ms);
    listeners.push(() => {
      if (!check()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Starts a fake backend with `handler` answering every request.
 *
 * @example const fake = await startFakeServer(({ res }) => res.end("ok")); ... await fake.close();
 */
export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  let defaultMode: FakeMode = "ok";
  const queued: FakeMode[] = [];
  const listeners: Array<() => void> = [];
  const notify = (): void => listeners.forEach((l) => l());
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => {
      const body = Buffer.concat(parts);
      const received: Received = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body };
      if ((req.headers["content-type"] ?? "").includes("json") && body.length > 0) {
        try {
          received.json = JSON.parse(body.toString("utf8"));
        } catch {
          // kept as raw bytes
        }
      }
      fake.received.push(received);
      res.on("close", () => {
        if (!res.writableFinished) fake.clientClosedEarly++;
        notify();
      });
      notify();
      const mode = queued.shift() ?? defaultMode;
      Promise.resolve(handler({ req, res, path: (req.url ?? "/").split("?")[0]!, received, mode, fake })).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(599).end(String(err));
        else res.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const fake: FakeServer = {
    url: `http://127.0.0.1:${port}`,
    received: [],
    clientClosedEarly: 0,
    reply: ["Hello", " from", " the", " fake"],
    retryAfter: "7",
    setMode(mode) {
      defaultMode = mode;
    },
    queue(...modes) {
      queued.push(...modes);
    },
    waitForClientClose(ms = 5000) {
      return waitFor(() => fake.clientClosedEarly > 0, ms, "the client to close its connection", listeners);
    },
    waitForRequests(n, ms = 5000) {
      return waitFor(() => fake.received.length >= n, ms, `${n} requests`, listeners);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** Starts a streamed answer (chunked, flushed at once). */
export function startStream(res: ServerResponse, contentType: string): void {
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-cache" });
  res.flushHeaders();
}

/**
 * Plays the end of a streamed answer for the modes that break it after the first token:
 * returns true when it handled the mode (the caller stops there).
 */
export function breakStream(res: ServerResponse, mode: FakeMode, malformedChunk: string, errorChunk: string): boolean {
  if (mode === "stream-error") res.end(errorChunk);
  else if (mode === "malformed") res.end(malformedChunk);
  else if (mode === "truncated") res.destroy();
  else if (mode === "ended-early") res.end();
  else if (mode === "stall") return true; // keep the connection open: the client must time out or abort
  else return false;
  return true;
}

/** A JSON answer cut off: a content-length promising more than is sent, then the connection drops. */
export function truncateJson(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "application/json", "content-length": "400" });
  res.write('{"id":"cut');
  setTimeout(() => res.destroy(), 5);
}

/** A small pause between streamed tokens, so that chunks arrive separately. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2));
}
