/**
 * Every error leaves the server as `{ error: { code, message, ...details } }` with the catalogue's
 * status; Fastify's own errors are mapped onto catalogue codes. Nothing here crashes the process.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ClawError, isClawError } from "../core/errors.ts";
import { bound, boundError } from "./bound.ts";

const fastifyCodes: Record<string, (e: FastifyError) => ClawError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new ClawError("BODY_TOO_LARGE", { message: "The request body is larger than this route accepts." }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (e) => new ClawError("UNSUPPORTED_MEDIA_TYPE", { message: e.message }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new ClawError("INVALID_JSON", { message: "The request body is empty." }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new ClawError("BAD_REQUEST", { message: "The content-length does not match the body." }),
};

/** Turns anything thrown in a request into a ClawError. */
export function toClawError(err: unknown): ClawError {
  if (isClawError(err)) return err;
  const fe = err as FastifyError;
  if (fe?.validation) {
    return new ClawError("VALIDATION_FAILED", { message: `Invalid request: ${fe.message}`, details: { problems: fe.validation.map((v) => `${v.instancePath || "(body)"} ${v.message}`) } });
  }
  const mapped = fe?.code ? fastifyCodes[fe.code] : undefined;
  if (mapped) return mapped(fe);
  if (typeof fe?.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new ClawError("BAD_REQUEST", { message: fe.message, cause: err });
  }
  return new ClawError("INTERNAL", { message: "Internal error; the runtime logged the cause.", cause: err });
}

/**
 * Told of each refused paid request (`error` already bounded, `thrown` as thrown, for its marks);
 * resolves once whatever it records is durable.
 */
export type RejectionSink = (request: FastifyRequest, error: ClawError, thrown: unknown) => Promise<void>;

export function registerErrorHandler(app: FastifyInstance, onPaidRouteError: RejectionSink): void {
  app.setErrorHandler(async (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    // Outside strings reach messages (a model name, a parser's quote): never more than bound() of them.
    const error = boundError(toClawError(err));
    if (error.code === "INTERNAL") request.log.error({ err }, "internal error");
    if (request.routeOptions.config && (request.routeOptions.config as { paid?: boolean }).paid && !request.clawAdmitted) {
      // The refusal is in the log before the client hears of it (never lost, never racing the answer).
      await onPaidRouteError(request, error, err);
    }
    if (error.details?.retryAfterSeconds !== undefined) reply.header("retry-after", String(error.details.retryAfterSeconds));
    return reply.status(error.status).send(error.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(new ClawError("NOT_FOUND", { message: `Nothing is at ${request.method} ${bound(request.url, 128)}.` }).toJSON());
  });
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set once the payment guard admitted the request (errors after that are job failures). */
    clawAdmitted?: boolean;
  }
  interface FastifyContextConfig {
    paid?: boolean;
  }
}
