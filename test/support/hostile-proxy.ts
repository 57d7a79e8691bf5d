/**
 * A hostile provider for the consumer-side tests: a real provider runtime (its wallet signs real job
 * receipts) reached only through this proxy on 127.0.0.1, which passes every request on and, per
 * model of a paid chat request, misbehaves:
 *   "pass"         forwards unchanged (an honest provider)
 *   "tamper"       changes the answer's text after the provider signed its receipt (a bad receipt)
 *   "huge-json"    never asks the provider: answers with 1 GB of JSON, generated lazily (never held)
 *   "huge-sse"     the same as an SSE answer: 1 GB of 1 KiB content deltas
 * The runtime registers the proxy's URL as its endpoint (server.publicUrl), so the market finds it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Readable } from "node:stream";

export type ProxyMode = "pass" | "tamper" | "huge-json" | "huge-sse";

export type HostileProxy = {
  url: string;
  /** Where requests go (the runtime's own URL, known once it started). */
  target: string;
  /** Mode per model; models not named pass. */
  modes: Map<string, ProxyMode>;
  /** Bytes of hostile answers actually written to sockets (to show the reader stopped early). */
  hugeBytesSent: number;
  close(): Promise<void>;
};

const GB = 1024 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const parts: Buffer[] = [];
    req.on("data", (b: Buffer) => parts.push(b));
    req.on("end", () => ok(Buffer.concat(parts)));
    req.on("error", fail);
  });
}

/** 1 GB of one JSON string value, made chunk by chunk as the socket asks for it. */
function hugeJson(p: HostileProxy): Readable {
  const chunk = Buffer.alloc(1024 * 1024, "a");
  let sent = 0;
  return new Readable({
    read() {
      if (sent === 0) this.push('{"choices":[{"message":{"role":"assistant","content":"');
      if (sent >= GB) {
        this.push('"}}]}');
        this.push(null);
        return;
      }
      sent += chunk.byteLength;
      p.hugeBytesSent += chunk.byteLength;
      this.push(chunk);
    },
  });
}

/** 1 GB of SSE content deltas, made as the socket asks for them. */
function hugeSse(p: HostileProxy): Readable {
  const event = Buffer.from(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "a".repeat(1024) } }] })}\n\n`);
  const batch = Buffer.concat(Array.from({ length: 64 }, () => event));
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= GB) return void this.push(null);
      sent += batch.byteLength;
      p.hugeBytesSent += batch.byteLength;
      this.push(batch);
    },
  });
}

/**
 * @example
 * const proxy = await startHostileProxy(); // start the runtime with server.publicUrl = proxy.url
 * proxy.target = runtime.url; proxy.modes.set("echo-1", "tamper");
 */
export async function startHostileProxy(): Promise<HostileProxy> {
  const p: HostileProxy = { url: "", target: "", modes: new Map(), hugeBytesSent: 0, close: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      let model = "";
      if (req.method === "POST" && body.length > 0 && (req.headers["content-type"] ?? "").includes("json")) {
        try {
          model = String((JSON.parse(body.toString()) as { model?: unknown }).model ?? "");
        } catch {
          model = "";
        }
      }
      const mode = req.url?.startsWith("/v1/chat/completions") ? (p.modes.get(model) ?? "pass") : "pass";
      if (mode === "huge-json" || mode === "huge-sse") {
        res.writeHead(200, { "content-type": mode === "huge-json" ? "application/json" : "text/event-stream" });
        (mode === "huge-json" ? hugeJson(p) : hugeSse(p)).pipe(res);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      const up = await fetch(`${p.target}${req.url}`, { method: req.method ?? "GET", headers, ...(body.length ? { body: new Uint8Array(body) } : {}) });
      let out = Buffer.from(await up.arrayBuffer());
      if (mode === "tamper" && (up.headers.get("content-type") ?? "").includes("json")) {
        const j = JSON.parse(out.toString()) as { choices?: Array<{ message?: { content?: string } }> };
        const msg = j.choices?.[0]?.message;
        if (msg && typeof msg.content === "string") msg.content += " (changed after signing)";
        out = Buffer.from(JSON.stringify(j));
      }
      const back: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (k !== "content-length" && k !== "content-encoding" && k !== "transfer-encoding" && k !== "connection") back[k] = v;
      });
      res.writeHead(up.status, back);
      res.end(out);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(err) } }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  p.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  p.close = () =>
    new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    });
  return p;
}
