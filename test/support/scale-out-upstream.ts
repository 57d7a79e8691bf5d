/**
 * A slow OpenAI-compatible model server shared by every runtime instance of the scale-out test (as
 * the GPUs behind several runtimes would be): each chat request is held `holdMs`, then answered —
 * or, while `gated`, held until the test calls `release()`, so the test decides when jobs end. It
 * counts the requests it holds at once (`peak`), so the test measures concurrency where the work
 * happens, across all instances, without trusting any instance's own count.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type SlowUpstream = {
  /** The base URL for the openai plugin (`…/v1`). */
  baseUrl: string;
  /** Requests being held right now / the most held at once since the last reset / answered. */
  readonly inFlight: number;
  readonly peak: number;
  readonly answered: number;
  /** While true, requests wait for release() instead of holdMs. */
  gated: boolean;
  /** Answers every request held now. */
  release(): void;
  reset(): void;
  close(): Promise<void>;
};

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * @example
 * const up = await startSlowUpstream(800); // offering: { backend: "openai", options: { baseUrl: up.baseUrl, stream: false } }
 */
export async function startSlowUpstream(holdMs: number): Promise<SlowUpstream> {
  let inFlight = 0;
  let peak = 0;
  let answered = 0;
  const held: Array<() => void> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (b: Buffer) => chunks.push(b));
    req.on("end", () => {
      if (req.method === "GET" && req.url?.endsWith("/models")) return send(res, 200, { object: "list", data: [{ id: "slow-1", object: "model", owned_by: "test" }] });
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) return send(res, 404, { error: { message: `no route ${req.url}` } });
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        inFlight -= 1;
      };
      // A request the runtime gave up on (aborted job, killed instance) stops counting when its socket closes.
      res.on("close", finish);
      const answer = () => {
        if (done) return;
        finish();
        answered += 1;
        send(res, 200, {
          id: "chatcmpl-slow", object: "chat.completion", created: 1732400000, model: "slow-1",
          choices: [{ index: 0, message: { role: "assistant", content: "done" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        });
      };
      if (self.gated) held.push(answer);
      else setTimeout(answer, holdMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const self: SlowUpstream = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    gated: false,
    release() { for (const answer of held.splice(0)) answer(); },
    get inFlight() { return inFlight; },
    get peak() { return peak; },
    get answered() { return answered; },
    reset() { peak = inFlight; },
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
  return self;
}
