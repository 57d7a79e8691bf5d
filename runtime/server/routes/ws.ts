/**
 * GET /v1/ws — one WebSocket, two uses, chosen by the client's messages:
 *   {"type":"subscribe","topic":"events","from":<position>}  the event log live (after a replay from `from`)
 *   {"type":"watch","jobId":"..."}                            that job's chunks as they are produced
 * Every server message is JSON: {"type":"event",event} | {"type":"chunk",jobId,chunk} | {"type":"error",...}.
 */
import type { FastifyInstance } from "fastify";
import { toJsonSafe } from "../../core/event-codec.ts";
import { ClawError } from "../../core/errors.ts";
import type { ServerContext } from "../context.ts";

type ClientMessage = { type: "subscribe"; topic: "events"; from?: number } | { type: "watch"; jobId: string };

function parse(text: string): ClientMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new ClawError("INVALID_JSON", { message: "WebSocket messages must be JSON." });
  }
  const msg = m as Partial<ClientMessage>;
  if (msg?.type === "subscribe" && (msg as { topic?: string }).topic === "events") return msg as ClientMessage;
  if (msg?.type === "watch" && typeof (msg as { jobId?: unknown }).jobId === "string") return msg as ClientMessage;
  throw new ClawError("VALIDATION_FAILED", { message: 'Send {"type":"subscribe","topic":"events"} or {"type":"watch","jobId":"..."}.' });
}

export function wsRoutes(ctx: ServerContext) {
  return async (app: FastifyInstance) => {
    app.get("/v1/ws", { websocket: true }, (socket) => {
      const closers: Array<() => void> = [];
      const send = (obj: unknown) => {
        if (socket.readyState === 1) socket.send(JSON.stringify(toJsonSafe(obj)));
      };
      socket.on("message", (raw: Buffer) => {
        try {
          const msg = parse(raw.toString("utf8"));
          if (msg.type === "subscribe") {
            let last = typeof msg.from === "number" ? msg.from : ctx.store.lastPosition();
            for (const event of ctx.store.read({ from: last + 1, limit: 1000 })) {
              send({ type: "event", event });
              last = event.position;
            }
            closers.push(ctx.store.subscribe((event) => {
              if (event.position > last) send({ type: "event", event });
            }));
          } else {
            closers.push(ctx.jobChunks.subscribe(msg.jobId, (chunk) => send({ type: "chunk", jobId: msg.jobId, chunk })));
          }
        } catch (err) {
          const e = err instanceof ClawError ? err : new ClawError("BAD_REQUEST", { message: String(err) });
          send({ type: "error", ...e.toJSON().error });
        }
      });
      socket.on("close", () => closers.forEach((close) => close()));
    });
  };
}
