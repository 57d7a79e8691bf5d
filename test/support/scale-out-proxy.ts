/**
 * A tiny round-robin reverse proxy: the one URL the provider registers on chain, in front of its
 * runtime instances — what nginx or Caddy does in production (config/examples/), with the same
 * rules: no sticky sessions, responses streamed through unbuffered, and a request moved to the next
 * instance only when the connection to one is refused (so it never reached it: retrying a paid POST
 * that an instance may have received would be unsafe). Each response names the instance that
 * answered in `x-scale-out-instance` (its index), so tests can see where requests went.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type RoundRobinProxy = {
  url: string;
  /** Instance base URLs (http://127.0.0.1:port); set once they are known. */
  upstreams: string[];
  /** Requests answered per instance index. */
  served: number[];
  close(): Promise<void>;
};

const MAX_BODY = 2 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (b: Buffer) => {
      size += b.length;
      if (size > MAX_BODY) req.destroy(new Error("body too large for the test proxy"));
      else parts.push(b);
    });
    req.on("end", () => ok(Buffer.concat(parts)));
    req.on("error", fail);
  });
}

function badGateway(res: ServerResponse, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "BAD_GATEWAY", message } }));
}

/**
 * @example
 * const proxy = await startRoundRobinProxy(); proxy.upstreams.push(a.url, b.url, c.url);
 */
export async function startRoundRobinProxy(): Promise<RoundRobinProxy> {
  let next = 0;
  const self: RoundRobinProxy = { url: "", upstreams: [], served: [], close: async () => undefined };

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, tries: number): void {
    const n = self.upstreams.length;
    if (n === 0 || tries >= n) return badGateway(res, "no instance accepted the connection");
    const index = next++ % n;
    const target = new URL(req.url ?? "/", self.upstreams[index]);
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: target.host, connection: "close", "x-forwarded-for": req.socket.remoteAddress ?? "" };
    delete headers["keep-alive"];
    // A new connection per request (agent: false): a reused one the instance is closing could fail a
    // POST that may already have arrived, which must not be retried (nginx/Caddy: shorter keep-alive).
    const out = httpRequest(target, { method: req.method, headers, agent: false }, (up) => {
      self.served[index] = (self.served[index] ?? 0) + 1;
      res.writeHead(up.statusCode ?? 502, { ...up.headers, "x-scale-out-instance": String(index) });
      res.flushHeaders();
      // Streamed through as it comes (SSE tokens): piping writes each chunk at once, nothing is held.
      up.pipe(res);
      up.on("error", () => res.destroy());
    });
    out.on("error", (err: NodeJS.ErrnoException) => {
      // Refused: the instance never saw the request, so the next one may take it. Anything else may have reached it.
      if (err.code === "ECONNREFUSED") return forward(req, res, body, tries + 1);
      badGateway(res, `instance ${index}: ${err.code ?? err.message}`);
    });
    res.on("close", () => { if (!res.writableFinished) out.destroy(); });
    out.end(body);
  }

  const server = createServer((req, res) => {
    readBody(req).then((body) => forward(req, res, body, 0), () => badGateway(res, "could not read the request"));
  });
  // Clients (undici) drop an idle connection 1 s before the timeout the server announces: no reuse race.
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  self.close = () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); });
  return self;
}
