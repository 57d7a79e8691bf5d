/**
 * Builds the provider's Fastify app around a ServerContext: body parsers that keep the raw bytes for
 * the payment proof, one error handler, the routes (one file each) and the WebSocket.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import { registerBodyParsers } from "./body-parsers.ts";
import { clientErrorHandler } from "./client-errors.ts";
import type { ServerContext } from "./context.ts";
import { registerErrorHandler } from "./error-handler.ts";
import { audioRoutes } from "./routes/audio.ts";
import { chatRoutes } from "./routes/chat.ts";
import { imageRoutes } from "./routes/images.ts";
import { inferenceRoutes } from "./routes/inference.ts";
import { metaRoutes } from "./routes/meta.ts";
import { recordRoutes } from "./routes/records.ts";
import { wsRoutes } from "./routes/ws.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";

export type AppOptions = { logger?: FastifyBaseLogger | false; bodyLimitBytes: number; uploadLimitBytes: number; extra?: (app: FastifyInstance) => Promise<void> };

/**
 * @example
 * const app = await buildApp(ctx, { bodyLimitBytes: 1 << 20, uploadLimitBytes: 25 << 20 });
 * await app.listen({ port: 8787 });
 */
export async function buildApp(ctx: ServerContext, opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    bodyLimit: opts.bodyLimitBytes,
    // Request lines are off: the log records what matters (jobs, rejections) as events already.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: "idle",
    // Requests Node's parser refuses (e.g. headers over 16 KiB) are answered and logged like any refusal.
    clientErrorHandler: clientErrorHandler((error) => ctx.reject(error)),
  });
  registerBodyParsers(app, { jsonBytes: opts.bodyLimitBytes, uploadBytes: opts.uploadLimitBytes });
  registerErrorHandler(app, (request, error) => {
    const stream = request.headers["x-claw-stream"];
    const streamId = typeof stream === "string" && /^\d{1,78}$/.test(stream) ? BigInt(stream) : undefined;
    return ctx.reject(error, streamId);
  });
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(metaRoutes(ctx));
  await app.register(recordRoutes(ctx));
  await app.register(chatRoutes(ctx));
  await app.register(inferenceRoutes(ctx));
  await app.register(imageRoutes(ctx));
  await app.register(audioRoutes(ctx));
  await app.register(wsRoutes(ctx));
  await app.register(dashboardRoutes(ctx));
  if (opts.extra) await app.register(opts.extra);
  return app;
}
