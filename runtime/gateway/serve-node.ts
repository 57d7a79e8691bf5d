/**
 * The Node HTTP adapter for the gateway's web-standard handler: reads the body (bounded), builds a
 * Request, writes the Response back — streaming SSE chunk by chunk, and cancelling the answer when
 * the client goes away (the provider then stops metering).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ClawError } from "../core/errors.ts";
import { errorResponse, MAX_BODY_BYTES } from "../client/openai-request.ts";

async function readBody(req: IncomingMessage): Promise<Uint8Array | ClawError> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) return new ClawError("BODY_TOO_LARGE", { message: `The body is larger than ${MAX_BODY_BYTES} bytes.` });
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export type NodeServer = { url: string; server: Server; close(): Promise<void> };

/**
 * @example
 * const s = await serveNode(handler, { host: "127.0.0.1", port: 0 });
 */
export async function serveNode(handler: (req: Request) => Promise<Response>, o: { host: string; port: number }): Promise<NodeServer> {
  const server = createServer(async (req, res) => {
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    let response: Response;
    try {
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
      if (body instanceof ClawError) response = errorResponse(body);
      else {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const request = new Request(`http://${o.host}${(req.url ?? "/").slice(0, 8192)}`, {
          method: req.method ?? "GET", headers, signal: gone.signal, ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}),
        });
        response = await handler(request);
      }
    } catch (err) {
      response = errorResponse(err);
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    res.on("close", () => void reader.cancel().catch(() => undefined));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        res.write(value);
      }
    } catch {
      // The client left or the provider's stream broke after output: end what was sent.
    }
    res.end();
  });
  server.requestTimeout = 0; // answers may stream for minutes; the paying fetch bounds each request
  server.headersTimeout = 10_000;
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(o.port, o.host, () => ok());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`, server,
    close: () => new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    }),
  };
}
