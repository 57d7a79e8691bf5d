/**
 * GET /v1/ws — one WebSocket, one use, chosen by the client's first message:
 *   {"type":"subscribe","topic":"events","from":<position>}  the public event log (a paged replay from `from`, then live)
 *   {"type":"watch","jobId":"...","token":"..."}             that job's chunks; `token` is the paid response's x-claw-watch
 * Every server message is JSON: {"type":"event",event} | {"type":"chunk",jobId,chunk} | {"type":"error",...}.
 *
 * What a stranger can do with it is bounded: browser pages from other origins are refused at the
 * upgrade; an IP holds at most `wsPerIp` sockets; a socket sends at most `wsMessagesPerMinute`
 * messages and has one subscription; replay goes a page (`wsReplayPageBytes`) at a time, each page
 * only after the previous one left the process; a reader that keeps more than `wsMaxBufferedBytes`
 * unread, or stalls a page for SLOW_READER_MS, is disconnected.
 */
import { setImmediate } from "node:timers";
import type { FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { ClawError } from "../../core/errors.ts";
import { JOB_ID, WATCH_TOKEN } from "../job-chunks.ts";
import { originAllowed } from "../origin.ts";
import type { ServerContext } from "../context.ts";
import { createEventFeed } from "./event-feed.ts";

export type WsOptions = {
  limits: { wsPerIp: number; wsMessagesPerMinute: number; wsMaxBufferedBytes: number; wsReplayPageBytes: number };
  allowedOrigins: readonly string[];
  /** Told +1 / -1 as sockets open and close (metrics). */
  onConnections?: (delta: number) => void;
};

/** A reader that has not taken a page for this long is disconnected. */
const SLOW_READER_MS = 10_000;
const POLL_MS = 100;

type ClientMessage = { type: "subscribe"; from: number | undefined } | { type: "watch"; jobId: string; token: string };

function parse(text: string): ClientMessage {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new ClawError("INVALID_JSON", { message: "WebSocket messages must be JSON." });
  }
  const msg = (typeof m === "object" && m !== null ? m : {}) as Record<string, unknown>;
  if (msg.type === "subscribe" && msg.topic === "events") {
    if (msg.from !== undefined && !(Number.isSafeInteger(msg.from) && (msg.from as number) >= 0)) {
      throw new ClawError("VALIDATION_FAILED", { message: "`from` must be a log position (a whole number, 0 or more)." });
    }
    return { type: "subscribe", from: msg.from as number | undefined };
  }
  if (msg.type === "watch") {
    if (typeof msg.jobId !== "string" || !JOB_ID.test(msg.jobId)) throw new ClawError("VALIDATION_FAILED", { message: "`jobId` must be a job id (a UUID)." });
    if (typeof msg.token !== "string" || !WATCH_TOKEN.test(msg.token)) {
      throw new ClawError("VALIDATION_FAILED", { message: "`token` must be the job's watch token (the paid response's x-claw-watch header)." });
    }
    return { type: "watch", jobId: msg.jobId, token: msg.token };
  }
  throw new ClawError("VALIDATION_FAILED", { message: 'Send {"type":"subscribe","topic":"events"} or {"type":"watch","jobId":"...","token":"..."}.' });
}

export function wsRoutes(ctx: ServerContext, o: WsOptions) {
  return async (app: FastifyInstance) => {
    const feed = createEventFeed(ctx.store);
    app.addHook("onClose", async () => feed.close());
    const perIp = new Map<string, number>();

    const preValidation = async (request: { headers: Record<string, string | string[] | undefined>; ip: string }) => {
      const origin = request.headers.origin;
      if (!originAllowed(typeof origin === "string" ? origin : undefined, request.headers.host as string | undefined, { allowed: o.allowedOrigins, publicUrl: ctx.publicUrl })) {
        throw new ClawError("ORIGIN_FORBIDDEN", { message: "WebSocket connections from this page's origin are not allowed (server.allowedOrigins)." });
      }
      if ((perIp.get(request.ip) ?? 0) >= o.limits.wsPerIp) {
        throw new ClawError("RATE_LIMITED", { message: `At most ${o.limits.wsPerIp} WebSockets per client; close one first.`, details: { retryAfterSeconds: 10 } });
      }
    };

    app.get("/v1/ws", { websocket: true, preValidation }, (socket: WebSocket, request) => {
      const ip = request.ip;
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      o.onConnections?.(1);
      let closed = false;
      let stop: (() => void) | undefined;
      let windowStart = Date.now();
      let messages = 0;

      const drop = (why: string) => {
        if (closed) return;
        closed = true;
        // terminate, not close: a reader that does not read would never see a close frame either.
        socket.terminate();
        request.log.debug({ why }, "websocket dropped");
      };
      const send = (text: string) => {
        if (closed || socket.readyState !== 1) return;
        if (socket.bufferedAmount > o.limits.wsMaxBufferedBytes) return drop("slow reader");
        socket.send(text);
      };
      const sendError = (e: ClawError) => send(JSON.stringify({ ...e.toJSON().error, type: "error" }));

      function subscribe(from: number | undefined) {
        let cursor = Math.min(from ?? feed.lastPosition(), feed.lastPosition());
        let scheduled = false;
        let stalledSince: number | undefined;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const kick = () => {
          if (scheduled || closed) return;
          scheduled = true;
          setImmediate(pump);
        };
        function pump() {
          scheduled = false;
          if (closed) return;
          const buffered = socket.bufferedAmount;
          if (buffered > o.limits.wsMaxBufferedBytes) return drop("slow reader");
          if (buffered > o.limits.wsReplayPageBytes) {
            stalledSince ??= Date.now();
            if (Date.now() - stalledSince > SLOW_READER_MS) return drop("slow reader");
            scheduled = true;
            timer = setTimeout(pump, POLL_MS);
            return;
          }
          stalledSince = undefined;
          const page = feed.page(cursor, o.limits.wsReplayPageBytes);
          for (const text of page.texts) send(text);
          cursor = page.last;
          if (page.texts.length > 0) kick();
        }
        const off = feed.onAppend(kick);
        stop = () => {
          off();
          clearTimeout(timer);
        };
        kick();
      }

      socket.on("message", (raw: Buffer) => {
        if (closed) return;
        if (Date.now() - windowStart >= 60_000) {
          windowStart = Date.now();
          messages = 0;
        }
        if (++messages > o.limits.wsMessagesPerMinute) return drop("too many messages");
        try {
          const msg = parse(raw.toString("utf8"));
          if (stop) throw new ClawError("VALIDATION_FAILED", { message: "One subscription per socket: open another socket for another one." });
          if (msg.type === "subscribe") subscribe(msg.from);
          else if (!ctx.jobChunks.mayWatch(msg.jobId, msg.token)) {
            throw new ClawError("UNKNOWN_JOB", { message: "No job here has this id and watch token." });
          } else {
            const prefix = `{"type":"chunk","jobId":"${msg.jobId}","chunk":`;
            stop = ctx.jobChunks.subscribe(msg.jobId, (chunk) => send(`${prefix}${JSON.stringify(chunk)}}`));
          }
        } catch (err) {
          sendError(err instanceof ClawError ? err : new ClawError("BAD_REQUEST", { message: "The message could not be handled." }));
        }
      });
      socket.on("close", () => {
        closed = true;
        stop?.();
        const n = (perIp.get(ip) ?? 1) - 1;
        if (n <= 0) perIp.delete(ip);
        else perIp.set(ip, n);
        o.onConnections?.(-1);
      });
    });
  };
}
