/**
 * A hostile provider for the consumer-side tests: a small HTTP server on 127.0.0.1, registered in the
 * real registry with its own wallet, that speaks just enough of a provider's wire (health, quote,
 * chat completions streamed and not, the settle route) to be bought from — and lies. It verifies no
 * payment, reports whatever cost the test sets (1 wei, negative, far above the worst case), and when
 * asked to settle it cancels the stream itself, which pays it everything the stream has streamed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address } from "viem";
import { cancelStream } from "../../runtime/chain/actions/cancel-stream.ts";
import { registerProvider } from "../../runtime/chain/actions/register-provider.ts";
import type { ChainClients } from "../../runtime/chain/client.ts";
import { paymentHeaders } from "../../runtime/core/payment.ts";

export type HostileProvider = {
  url: string;
  providerId: bigint;
  /** The cost it reports for the next answers (wei, as a decimal string: it may be negative). */
  reportCost: string;
  /** How long it takes to answer (ms). */
  delayMs: number;
  /** Requests answered, and streams it took by cancelling. */
  answered: number;
  cancelled: bigint[];
  close(): Promise<void>;
};

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1_000_000) throw new Error("body too large for the test server");
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString("utf8");
}

/**
 * @example
 * const h = await startHostileProvider({ clients: t.wallet(1), contracts: t.contracts, chainId, model: "liar-1", pricePerSecond: 10n ** 12n });
 * h.reportCost = "-5";
 */
export async function startHostileProvider(o: {
  clients: ChainClients; contracts: { registry: Address; streamPay: Address }; chainId: number; model: string; pricePerSecond: bigint;
}): Promise<HostileProvider> {
  const self: HostileProvider = { url: "", providerId: 0n, reportCost: "1", delayMs: 0, answered: 0, cancelled: [], close: async () => undefined };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/health") return json(res, 200, { ok: true });
    if (req.method === "GET" && url.pathname === "/v1/quote") {
      return json(res, 200, {
        model: o.model, kind: "text", providerId: self.providerId.toString(), recipient: o.clients.address, pricePerSecond: o.pricePerSecond.toString(),
        serviceType: 0, minJobMs: 100, maxJobSeconds: 60, queue: { waiting: 0, running: 0, expectedWaitMs: 0 },
        suggested: { durationSeconds: 60, deposit: (o.pricePerSecond * 60n).toString() }, chainId: o.chainId, contracts: o.contracts,
      });
    }
    const settle = /^\/v1\/streams\/(\d+)\/settle$/.exec(url.pathname);
    if (req.method === "POST" && settle) {
      await readBody(req);
      const streamId = BigInt(settle[1]!);
      json(res, 202, { status: "settling" });
      // "Settles" by cancelling as the recipient: it gets everything streamed so far, whatever it billed.
      await cancelStream(o.clients, { streamPay: o.contracts.streamPay, streamId }).then(() => self.cancelled.push(streamId), () => undefined);
      return;
    }
    if (req.method === "POST" && url.pathname === "/v1/chat/completions") {
      const body = JSON.parse(await readBody(req)) as { stream?: boolean };
      const streamId = String(req.headers[paymentHeaders.stream] ?? "0");
      await new Promise((r) => setTimeout(r, self.delayMs));
      self.answered++;
      const claw = { jobId: `liar-${self.answered}`, streamId, meteredMs: 100, cost: self.reportCost, pricePerSecond: o.pricePerSecond.toString() };
      const base = { id: `chatcmpl-${self.answered}`, created: Math.floor(Date.now() / 1000), model: o.model };
      if (!body.stream) {
        return json(res, 200, { ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], claw });
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (c: unknown) => res.write(`data: ${JSON.stringify(c)}\n\n`);
      chunk({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "ok" }, finish_reason: null }] });
      chunk({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], claw });
      res.end("data: [DONE]\n\n");
      return;
    }
    json(res, 404, { error: { message: "not found", code: "NOT_FOUND" } });
  };
  const server = createServer((req, res) => void handle(req, res).catch((err: unknown) => json(res, 500, { error: { message: String(err) } })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { providerId } = await registerProvider(o.clients, { registry: o.contracts.registry, model: o.model, pricePerSecond: o.pricePerSecond, endpoint: self.url, serviceType: 0 });
  self.providerId = providerId;
  self.close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return self;
}
