/**
 * Cross-origin access (CORS) for the buyer's routes only, so that a web page on another origin can buy
 * inference with the SDK: the paid routes (`config.paid`), and the routes a buyer needs besides
 * (`config.crossOrigin`: GET /health, /v1/models, /v1/quote, POST /v1/streams/:id/settle). These are
 * paid by construction: every request that costs anything carries a signed payment proof in its own
 * headers, and nothing here reads cookies or other ambient credentials, so a foreign page learns and
 * spends nothing it did not bring. Every other route (the dashboard and its JSON, the dev routes, the
 * WebSocket, the records) answers no preflight and sends no CORS header: a browser keeps blocking it
 * cross-origin. `Access-Control-Allow-Credentials` is never sent.
 *
 * The decision is made per request by `decideCors` (a preflight is judged by the route it asks for,
 * since it is routed to `OPTIONS *`) and applied by one onRequest hook that writes exactly what
 * @fastify/cors (11) wrote for that decision with a delegator — cors.test.ts compares the two on a table
 * of requests — without the plugin's two option-object copies per request: a request without Origin
 * (the SDK in Node, the gateway, curl) costs one Vary header.
 */
import type { FastifyCorsOptions } from "@fastify/cors";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { paymentHeaders } from "../core/payment.ts";

/** The request headers a buyer's page sends: the payment proof and the body's type. */
export const corsAllowedHeaders = ["content-type", ...Object.values(paymentHeaders)];
/** Response headers the page may read: the job id, the job's watch token, when to retry. */
export const corsExposedHeaders = ["x-claw-job", "x-claw-watch", "retry-after"];
/** How long (s) a browser may reuse a preflight: one per route and origin every 10 minutes, not one per request. */
const PREFLIGHT_MAX_AGE_S = 600;

declare module "fastify" {
  interface FastifyContextConfig {
    /** A free route a buyer's page needs cross-origin (paid routes are buyer routes already). */
    crossOrigin?: boolean;
  }
}

/** What a route says about itself (its Fastify `config`). */
export type RouteFlags = { paid?: boolean; crossOrigin?: boolean } | undefined;
/** A buyer route: its method and its Fastify URL pattern ("/v1/streams/:id/settle"). */
export type BuyerRoute = { method: string; url: string; match: RegExp };

export const isBuyerRoute = (config: RouteFlags) => config?.paid === true || config?.crossOrigin === true;

/** The pattern's path as a RegExp: each `:param` is one non-empty path segment. */
export function routeMatcher(url: string): RegExp {
  const parts = url.split("/").map((p) => (p.startsWith(":") ? "[^/]+" : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${parts.join("/")}$`);
}

export type CorsAsk = {
  method: string;
  /** The request's path (a query string is ignored). */
  url: string;
  /** The Origin header. */
  origin: string | undefined;
  /** Access-Control-Request-Method (a preflight's). */
  requestMethod: string | undefined;
  /** The matched route's config (for a preflight: the plugin's OPTIONS route, not the one asked for). */
  config: RouteFlags;
};

/**
 * The CORS answer for one request: `{ origin: false }` (no CORS header at all) unless the request
 * comes from a page (Origin), the origin is allowed, and the route is a buyer route (a preflight: the
 * route it asks for, by path and Access-Control-Request-Method).
 * @example
 * decideCors({ method: "OPTIONS", url: "/v1/chat/completions", origin: "https://a.example", requestMethod: "POST", config: undefined }, routes, ["*"]);
 * // -> { origin: "*", methods: ["POST"], ... }
 */
/** No CORS headers (one shared object: the plugin copies what it gets). */
const OFF: FastifyCorsOptions = Object.freeze({ origin: false });

export function decideCors(ask: CorsAsk, routes: readonly BuyerRoute[], origins: readonly string[]): FastifyCorsOptions {
  const off = OFF;
  if (ask.origin === undefined || origins.length === 0) return off;
  const anyOrigin = origins.includes("*");
  if (!anyOrigin && !origins.includes(ask.origin)) return off;
  let method = ask.method.toUpperCase();
  if (method === "OPTIONS") {
    if (ask.requestMethod === undefined) return off;
    method = ask.requestMethod.toUpperCase();
    const path = ask.url.split("?")[0] ?? "";
    if (!routes.some((r) => r.method === method && r.match.test(path))) return off;
  } else if (!isBuyerRoute(ask.config)) return off;
  return {
    // "*" when any origin may (no credentials, so "*" is allowed by the spec); else the caller's own, reflected.
    origin: anyOrigin ? "*" : ask.origin,
    methods: method === "GET" || method === "HEAD" ? ["GET", "HEAD"] : [method],
    allowedHeaders: corsAllowedHeaders,
    exposedHeaders: corsExposedHeaders,
    credentials: false,
    maxAge: PREFLIGHT_MAX_AGE_S,
    strictPreflight: true,
  };
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set when this OPTIONS request was answered as an allowed preflight (as @fastify/cors names it). */
    corsPreflightEnabled: boolean;
  }
}

/** Adds Origin to the response's Vary header, as @fastify/cors does for every request when its options are per request. */
export function varyOnOrigin(reply: FastifyReply): void {
  const header = reply.getHeader("Vary");
  if (!header) {
    reply.header("Vary", "Origin");
    return;
  }
  const text = Array.isArray(header) ? header.join(", ") : String(header);
  if (text === "*") return;
  const names = text.toLowerCase().split(",").map((v) => v.trim()).filter((v) => v !== "");
  if (names.includes("*")) reply.header("Vary", "*");
  else if (!names.includes("origin")) reply.header("Vary", `${text}, Origin`);
}

const list = (v: FastifyCorsOptions["methods"] | FastifyCorsOptions["allowedHeaders"]) => (Array.isArray(v) ? v.join(", ") : String(v));

/** Writes one request's CORS answer; true when the request was answered (an allowed preflight: 204). */
export function applyCors(request: FastifyRequest, reply: FastifyReply, options: FastifyCorsOptions): boolean {
  varyOnOrigin(reply);
  if (options.origin === false) return false;
  reply.header("Access-Control-Allow-Origin", options.origin as string);
  if (options.exposedHeaders) reply.header("Access-Control-Expose-Headers", list(options.exposedHeaders));
  if (request.raw.method !== "OPTIONS") return false;
  request.corsPreflightEnabled = true;
  reply.header("Access-Control-Allow-Methods", list(options.methods));
  reply.header("Access-Control-Allow-Headers", list(options.allowedHeaders));
  if (options.maxAge !== undefined && options.maxAge !== null) reply.header("Access-Control-Max-Age", String(options.maxAge));
  // Safari needs Content-Length: 0 on a 204 or it waits for a body.
  reply.code(204).header("Content-Length", "0").send();
  return true;
}

/**
 * The buyer routes as they are added (filled by an onRoute hook, so call it before the routes).
 * @example
 * const routes = collectBuyerRoutes(app); // later: decideCors(ask, routes, origins)
 */
export function collectBuyerRoutes(app: FastifyInstance): BuyerRoute[] {
  const routes: BuyerRoute[] = [];
  app.addHook("onRoute", (route) => {
    if (!isBuyerRoute(route.config as RouteFlags)) return;
    const methods = [route.method].flat().map((m) => m.toUpperCase());
    // Fastify answers HEAD on a GET route: a page may ask for either.
    if (methods.includes("GET")) methods.push("HEAD");
    for (const method of new Set(methods)) routes.push({ method, url: route.url, match: routeMatcher(route.url) });
  });
  return routes;
}

/**
 * Registers CORS on the app's root (its hooks run for every route registered after it). Preflights
 * are counted by `limitPreflight` (the unpaid-route rate limit) before they are answered in the
 * onRequest hook, ahead of any route-level hook; an OPTIONS request that is not an allowed preflight
 * is answered 404 by the `OPTIONS *` route.
 * @example
 * const limit = app.rateLimit();
 * await registerCors(app, { origins: config.server.cors.origins, limitPreflight: (req, reply) => limit.call(app, req, reply) });
 */
export async function registerCors(app: FastifyInstance, o: { origins: readonly string[]; limitPreflight: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> }): Promise<void> {
  const routes = collectBuyerRoutes(app);
  if (o.origins.length === 0) return;
  app.addHook("onRequest", (request, reply, done) => {
    if (request.method !== "OPTIONS") return done();
    o.limitPreflight(request, reply).then(() => done(), done);
  });
  app.decorateRequest("corsPreflightEnabled", false);
  app.addHook("onRequest", (request, reply, done) => {
    if ((request.routeOptions.config as { cors?: unknown } | undefined)?.cors === false) return done();
    // No Origin: not a page, so no CORS (decideCors's first rule), only the Vary header.
    const options = request.headers.origin === undefined ? OFF : decideCors({
      method: request.method, url: request.url, origin: request.headers.origin,
      requestMethod: request.headers["access-control-request-method"] as string | undefined,
      config: request.routeOptions.config as RouteFlags,
    }, routes, o.origins);
    if (!applyCors(request, reply, options)) done();
  });
  app.options("*", (request, reply) => {
    if (!request.corsPreflightEnabled) {
      reply.callNotFound();
      return;
    }
    reply.send();
  });
}
