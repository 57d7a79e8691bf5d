/**
 * Free routes: GET /health, GET /v1/models, GET /v1/quote?model=. The quote tells a client everything
 * it needs to pay: price, where to pay (chain id, contracts, provider id, recipient), the queue wait,
 * a suggested deposit and duration, and the proof format (with `payment.keyAgreement`, the provider's
 * signed X25519 key, when it accepts per-session MAC proofs).
 */
import type { FastifyInstance } from "fastify";
import { paymentDomain, paymentHeaders } from "../../core/payment.ts";
import type { ServedOffering, ServerContext } from "../context.ts";
import { findOffering } from "./paid.ts";

/** Default length of a suggested stream: long enough for a session of several jobs. */
const SUGGESTED_SESSION_SECONDS = 600;

/** What chat requests may ask of an offering beyond text: tools, images, JSON output. */
export function capabilitiesOf(o: ServedOffering) {
  const c = o.backend.capabilities;
  return { tools: c?.tools === true, images: c?.images === true, json: c?.json === true };
}

export function quoteFor(ctx: ServerContext, o: ServedOffering) {
  const waitMs = o.queue.expectedWaitMs();
  const duration = Math.max(SUGGESTED_SESSION_SECONDS, Math.ceil(o.maxJobMs / 1000) * 2);
  return {
    model: o.model,
    kind: o.kind,
    providerId: o.providerId.toString(),
    recipient: ctx.wallet,
    pricePerSecond: o.pricePerSecond.toString(),
    pricePerMinute: (o.pricePerSecond * 60n).toString(),
    serviceType: o.serviceType,
    capabilities: capabilitiesOf(o),
    minJobMs: ctx.minJobMs,
    maxJobSeconds: o.maxJobMs / 1000,
    queue: { waiting: o.queue.size, running: o.queue.pending, expectedWaitMs: waitMs },
    suggested: { durationSeconds: duration, deposit: (o.pricePerSecond * BigInt(duration)).toString() },
    chainId: ctx.chainId,
    contracts: ctx.contracts,
    payment: {
      headers: paymentHeaders, eip712Domain: paymentDomain(ctx.chainId, ctx.contracts.streamPay),
      ...(ctx.keyAgreement ? { keyAgreement: ctx.keyAgreement } : {}),
    },
  };
}

export function metaRoutes(ctx: ServerContext) {
  // OpenAI's `created` (unix seconds) for every offering: when this runtime started serving it. Stable
  // for the process; the registry's on-chain registration time is what the gateway's market list shows.
  const servingSince = Math.floor(Date.now() / 1000);
  return async (app: FastifyInstance) => {
    // crossOrigin: a buyer's page on another origin may read these (server/cors.ts).
    app.get("/health", { config: { crossOrigin: true } }, async (_request, reply) => {
      const report = await ctx.health();
      return reply.status(report.ok ? 200 : 503).send(report);
    });

    app.get("/v1/models", { config: { crossOrigin: true } }, async () => ({
      object: "list",
      data: [...ctx.offerings.values()].map((o) => ({
        id: o.model,
        object: "model",
        created: servingSince,
        owned_by: ctx.wallet,
        kind: o.kind,
        backend: o.plugin,
        provider_id: o.providerId.toString(),
        price_per_second: o.pricePerSecond.toString(),
        capabilities: capabilitiesOf(o),
      })),
    }));

    app.get(
      "/v1/quote",
      { config: { crossOrigin: true }, schema: { querystring: { type: "object", properties: { model: { type: "string", minLength: 1, maxLength: 128 } } } } },
      async (request) => quoteFor(ctx, findOffering(ctx, (request.query as { model?: string }).model)),
    );
  };
}
