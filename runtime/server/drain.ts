/**
 * While the runtime closes, a request that still reaches it (pipelined, or on a keep-alive
 * connection that was busy when closing began) is refused in the runtime's own error shape:
 * 503 SHUTTING_DOWN with `Connection: close`, so an OpenAI client or a load balancer reads a
 * normal error and retries elsewhere. (Fastify's return503OnClosing writes a body of its own.)
 */
import type { FastifyInstance } from "fastify";
import { ClawError } from "../core/errors.ts";

/**
 * Call right after creating the app (with `return503OnClosing: false`), before other hooks.
 * @example
 * const app = Fastify({ return503OnClosing: false }); refuseWhileClosing(app);
 */
export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onRequest", (_request, reply, done) => {
    if (!closing) return done();
    reply.header("connection", "close");
    done(new ClawError("SHUTTING_DOWN", { message: "The runtime is shutting down and takes no new requests; send it to another instance or retry later." }));
  });
}
