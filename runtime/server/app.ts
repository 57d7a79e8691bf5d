/**
 * Builds the provider's Fastify app around a ServerContext: timeouts and connection caps, per-IP rate
 * limits, body parsers that keep the raw bytes for the payment proof, one error handler, the routes
 * (one file each), the WebSocket, and the metrics on their own listener.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import rateLimit from "@fastify/rate-limit";
import websocket from "@fastify/websocket";
import { corsSchema, limitsSchema, timeoutsSchema } from "../../config/schema.ts";
import type { ChainRead } from "../chain/read-observer.ts";
import { ClawError } from "../core/errors.ts";
import { paymentHeaders } from "../core/payment.ts";
import { registerBodyParsers } from "./body-parsers.ts";
import { clientErrorHandler } from "./client-errors.ts";
import { limitConnections } from "./connection-limits.ts";
import { registerCors } from "./cors.ts";
import type { ServerContext } from "./context.ts";
import { refuseWhileClosing } from "./drain.ts";
import { registerErrorHandler } from "./error-handler.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { serveMetrics, type MetricsServer } from "./metrics/serve.ts";
import { createPayerLane } from "./payer-lane.ts";
import { createRefusalSink, verifiedStreamOf } from "./refusals.ts";
import { audioRoutes } from "./routes/audio.ts";
import { chatRoutes } from "./routes/chat.ts";
import { imageRoutes } from "./routes/images.ts";
import { inferenceRoutes } from "./routes/inference.ts";
import { metaRoutes } from "./routes/meta.ts";
import { recordRoutes } from "./routes/records.ts";
import { wsRoutes } from "./routes/ws.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";

type Limits = ReturnType<typeof limitsSchema.parse>;
type Timeouts = ReturnType<typeof timeoutsSchema.parse>;

export type AppOptions = {
  logger?: FastifyBaseLogger | false;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  /** config `server`: limits, timeouts, allowed origins, CORS on the buyer routes (schema defaults when left out). */
  server?: {
    allowedOrigins?: readonly string[]; cors?: { origins: readonly string[] }; timeouts?: Partial<Timeouts>; limits?: Partial<Limits>;
    /** Fastify's trustProxy (config `server.trustProxy`): which peers' X-Forwarded-For names the client the per-IP limits key on. */
    trustProxy?: boolean | number | readonly string[];
  };
  /** config `metrics`: GET /metrics on its own listener; off when left out. */
  metrics?: { enabled: boolean; host: string; port: number };
  extra?: (app: FastifyInstance) => Promise<void>;
};

declare module "fastify" {
  interface FastifyInstance {
    /** The metrics listener's base URL once the app listens (undefined when off or its port was taken). */
    metricsUrl(): string | undefined;
    /** Records a chain read timed outside the server (the stream cache's, the watcher's) in claw_chain_read_seconds. */
    observeChainRead(read: ChainRead): void;
  }
}

/** Fastify's trustProxy from config (left out when off, so Fastify's own default applies). */
function trustProxyOption(t: boolean | number | readonly string[] | undefined): { trustProxy?: boolean | string[] | ((address: string, hop: number) => boolean) } {
  if (t === undefined || t === false) return {};
  // A hop count as Fastify reads a number (its types lack it): trust the first `t` hops from the socket.
  if (typeof t === "number") return { trustProxy: (_address, hop) => hop < t };
  return { trustProxy: t === true ? true : [...t] };
}

const isPaid = (request: FastifyRequest) => (request.routeOptions.config as { paid?: boolean } | undefined)?.paid === true;

/**
 * @example
 * const app = await buildApp(ctx, { bodyLimitBytes: 1 << 20, uploadLimitBytes: 25 << 20, server: config.server, metrics: config.metrics });
 * await app.listen({ port: 8787 });
 */
export async function buildApp(ctx: ServerContext, opts: AppOptions): Promise<FastifyInstance> {
  const limits: Limits = { ...limitsSchema.parse({}), ...opts.server?.limits };
  const t: Timeouts = { ...timeoutsSchema.parse({}), ...opts.server?.timeouts };
  const allowedOrigins = opts.server?.allowedOrigins ?? [];
  const metrics = createMetrics(ctx);
  let log: FastifyBaseLogger | undefined;
  const refusals = createRefusalSink({ perMinute: limits.refusalsPerMinute, log: (msg, fields) => log?.warn(fields, msg) });
  // A payer this runtime verified before is not refused because of anonymous traffic from its IP (payer-lane.ts).
  const payers = createPayerLane({ perMinute: limits.refusalsPerMinute, served: (streamId) => ctx.ledger.has(streamId) });
  const lanes = new WeakMap<FastifyRequest, string | null>();
  const laneOf = (request: FastifyRequest): string | undefined => {
    let key = lanes.get(request);
    if (key === undefined) lanes.set(request, (key = payers.keyOf(request.headers) ?? null));
    return key ?? undefined;
  };
  const headersMs = t.requestMs > 0 ? Math.min(t.headersMs, t.requestMs) : t.headersMs;
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.bodyLimitBytes,
    // Request lines are off: the log records what matters (jobs, paid refusals) as events already.
    logController: new LogController({ disableRequestLogging: true }),
    // A request that arrives while closing gets the runtime's own 503 (drain.ts), not Fastify's body.
    return503OnClosing: false,
    // Behind a reverse proxy, request.ip (every per-IP limit's key) is the client from X-Forwarded-For.
    ...trustProxyOption(opts.server?.trustProxy),
    forceCloseConnections: "idle",
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionTimeout: t.idleMs,
    // Node checks request/header deadlines every connectionsCheckingInterval (30 s by default): check
    // often enough that a slow client is cut near its deadline, not up to 30 s after it.
    http: { headersTimeout: headersMs, requestTimeout: t.requestMs, connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(Math.min(headersMs || 30_000, t.requestMs || 30_000) / 4))) },
    // Requests Node's parser refuses (headers over 16 KiB, a request too slow to arrive, not HTTP) are
    // answered in the runtime's format and counted; they are anonymous, so they are not events.
    clientErrorHandler: clientErrorHandler((error, ip) => {
      refusals.anonymous(error, ip);
      metrics.refusal(error.code, false);
    }),
  });
  log = app.log;
  refuseWhileClosing(app);
  limitConnections(app.server, limits);
  registerBodyParsers(app, { jsonBytes: opts.bodyLimitBytes, uploadBytes: opts.uploadLimitBytes, multipartMaxParts: limits.multipartMaxParts, checkSender: ctx.checkSender });
  registerErrorHandler(app, async (request, error, thrown) => {
    const streamId = verifiedStreamOf(thrown);
    metrics.refusal(error.code, streamId !== undefined);
    // Only a verified stream's refusal is an event; anonymous garbage is counted and rate-limited.
    if (streamId !== undefined) {
      payers.verified(request.headers);
      return ctx.reject(error, streamId);
    }
    refusals.anonymous(error, request.ip);
    const lane = laneOf(request);
    if (lane !== undefined) payers.refused(lane);
  });
  // Hooks on every request are callback-style (no promise, no extra microtask per request).
  app.addHook("onRequest", (request, reply, done) => {
    // A paid request that passed the guard is a verified payer's (remembered once its reply ends,
    // streamed replies included); a lane request to an unpaid route (settle) that failed counts against its lane.
    if (request.headers[paymentHeaders.stream] !== undefined) {
      reply.raw.on("close", () => {
        if (request.clawAdmitted) payers.verified(request.headers);
        else if (!isPaid(request) && reply.raw.statusCode >= 400) {
          const lane = laneOf(request);
          if (lane !== undefined) payers.refused(lane);
        }
      });
    }
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    metrics.request(request.routeOptions.url ?? "(no route)", request.method, reply.statusCode);
    done();
  });
  // Paid routes are limited by their proof (below), never by a request count: they get no per-request
  // rate-limit hook at all (the allowList would let each of them through anyway).
  app.addHook("onRoute", (route) => {
    if ((route.config as { paid?: boolean } | undefined)?.paid === true) route.config = { ...route.config, rateLimit: false };
  });
  await app.register(rateLimit, {
    global: true,
    max: limits.unpaidPerMinute,
    timeWindow: 60_000,
    // Paid routes are limited by their proof (and the refusal limit above), not by a request count;
    // a verified payer's settle is not limited by anonymous traffic from its IP.
    allowList: (request) => isPaid(request) || laneOf(request) !== undefined,
    errorResponseBuilder: (_request, c) =>
      new ClawError("RATE_LIMITED", { message: `More than ${c.max} requests per minute from this client; retry in ${Math.ceil(c.ttl / 1000)} s.`, details: { retryAfterSeconds: Math.ceil(c.ttl / 1000) } }),
  });
  // CORS on the buyer routes only (cors.ts); before the refusal limit below, so that its 429 reaches the page.
  const limitUnpaid = app.rateLimit();
  await registerCors(app, { origins: opts.server?.cors?.origins ?? corsSchema.parse({}).origins, limitPreflight: (request, reply) => limitUnpaid.call(app, request, reply) });
  // A client that keeps sending refused paid requests is answered 429 before any check or chain read,
  // unless the request is a verified payer's (payer-lane.ts): then the guard checks it as usual.
  app.addHook("onRequest", (request, _reply, done) => {
    if (!isPaid(request)) return done();
    const wait = refusals.retryAfter(request.ip);
    if (wait === 0 || laneOf(request) !== undefined) return done();
    done(new ClawError("RATE_LIMITED", { message: `Too many refused requests from this client; retry in ${wait} s.`, details: { retryAfterSeconds: wait } }));
  });
  await app.register(websocket, { options: { maxPayload: 4096 } });
  await app.register(metaRoutes(ctx));
  await app.register(recordRoutes(ctx));
  await app.register(chatRoutes(ctx));
  await app.register(inferenceRoutes(ctx));
  await app.register(imageRoutes(ctx));
  await app.register(audioRoutes(ctx));
  await app.register(wsRoutes(ctx, { limits, allowedOrigins, onConnections: (d) => metrics.wsConnections(d) }));
  await app.register(dashboardRoutes(ctx, { allowedOrigins, chainRead: metrics.chainRead }));
  if (opts.extra) await app.register(opts.extra);

  let metricsServer: MetricsServer | undefined;
  app.decorate("metricsUrl", () => metricsServer?.url);
  app.decorate("observeChainRead", (read: ChainRead) => metrics.observeChainRead(read));
  app.addHook("onListen", async () => {
    if (!opts.metrics?.enabled || metricsServer) return;
    try {
      metricsServer = await serveMetrics(metrics, opts.metrics);
    } catch (err) {
      app.log.warn({ err, host: opts.metrics.host, port: opts.metrics.port }, "metrics listener could not start; GET /metrics is off");
    }
  });
  app.addHook("onClose", async () => {
    metrics.close();
    await metricsServer?.close();
  });
  return app;
}
