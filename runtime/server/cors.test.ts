import assert from "node:assert/strict";
import { test } from "node:test";
import cors from "@fastify/cors";
import Fastify, { type FastifyInstance } from "fastify";
import { collectBuyerRoutes, decideCors, registerCors, routeMatcher, type BuyerRoute, type CorsAsk, type RouteFlags } from "./cors.ts";

const routes: BuyerRoute[] = [
  ...[["POST", "/v1/chat/completions"], ["POST", "/v1/streams/:id/settle"], ["GET", "/v1/models"], ["HEAD", "/v1/models"]].map(([method, url]) => ({ method: method!, url: url!, match: routeMatcher(url!) })),
];
const ask = (a: Partial<CorsAsk>): CorsAsk => ({ method: "GET", url: "/", origin: "https://a.example", requestMethod: undefined, config: undefined, ...a });

test("routeMatcher: a :param is one non-empty segment, the rest literal", () => {
  const m = routeMatcher("/v1/streams/:id/settle");
  assert.ok(m.test("/v1/streams/12/settle"));
  for (const path of ["/v1/streams//settle", "/v1/streams/1/2/settle", "/v1/streams/1/settle/", "/v1/streamsX1/settle"]) assert.equal(m.test(path), false, path);
  assert.equal(routeMatcher("/v1.x").test("/v1Ax"), false, "a dot is literal");
});

test("decideCors: which requests get which answer", () => {
  const table: Array<[string, Partial<CorsAsk>, readonly string[], string | false]> = [
    ["preflight to a paid route, any origin", { method: "OPTIONS", url: "/v1/chat/completions", requestMethod: "POST" }, ["*"], "*"],
    ["preflight to settle, with a query", { method: "OPTIONS", url: "/v1/streams/9/settle?x=1", requestMethod: "post" }, ["*"], "*"],
    ["preflight with the wrong method", { method: "OPTIONS", url: "/v1/models", requestMethod: "POST" }, ["*"], false],
    ["preflight to an unlisted route", { method: "OPTIONS", url: "/v1/dev/rpc", requestMethod: "POST" }, ["*"], false],
    ["OPTIONS that is not a preflight", { method: "OPTIONS", url: "/v1/chat/completions" }, ["*"], false],
    ["no Origin: not a page", { method: "POST", origin: undefined, config: { paid: true } }, ["*"], false],
    ["a paid route's request", { method: "POST", config: { paid: true } }, ["*"], "*"],
    ["a crossOrigin route's request", { method: "GET", config: { crossOrigin: true } }, ["*"], "*"],
    ["any other route's request", { method: "GET", config: {} }, ["*"], false],
    ["listed origin: echoed", { method: "POST", config: { paid: true } }, ["https://a.example"], "https://a.example"],
    ["unlisted origin", { method: "POST", origin: "https://b.example", config: { paid: true } }, ["https://a.example"], false],
    ["CORS off", { method: "POST", config: { paid: true } }, [], false],
  ];
  for (const [what, a, origins, want] of table) {
    const got = decideCors(ask(a), routes, origins);
    assert.equal(got.origin, want, what);
    assert.equal(got.credentials ?? false, false, what);
  }
});

/** The way CORS was applied before (@fastify/cors with decideCors as its delegator), to compare with registerCors. */
async function pluginCors(app: FastifyInstance, origins: readonly string[]) {
  const routes = collectBuyerRoutes(app);
  if (origins.length === 0) return;
  await app.register(cors, {
    hook: "onRequest",
    delegator: (request, done) => done(null, decideCors({
      method: request.method, url: request.url, origin: request.headers.origin,
      requestMethod: request.headers["access-control-request-method"] as string | undefined, config: request.routeOptions.config as RouteFlags,
    }, routes, origins)),
  });
}

async function appWith(apply: (app: FastifyInstance) => Promise<void>) {
  const app = Fastify();
  await apply(app);
  app.post("/v1/chat/completions", { config: { paid: true } }, async () => ({ ok: 1 }));
  app.get("/v1/models", { config: { crossOrigin: true } }, async () => ({ models: [] }));
  app.post("/v1/streams/:id/settle", { config: { crossOrigin: true } }, async (_request, reply) => reply.code(402).send({ error: "pay" }));
  app.get("/v1/dashboard", async (_request, reply) => reply.header("vary", "Accept-Encoding").send({ x: 1 }));
  app.get("/star", async (_request, reply) => reply.header("vary", "*").send("s"));
  await app.ready();
  return app;
}

test("registerCors answers exactly what @fastify/cors answered with decideCors as its delegator", async () => {
  const kept = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith("access-control-") || k === "vary" || k === "content-length" || k === "content-type"));
  const page = "https://a.example";
  const requests: Array<{ method: "GET" | "POST" | "OPTIONS" | "HEAD"; url: string; headers?: Record<string, string> }> = [
    { method: "POST", url: "/v1/chat/completions" },
    { method: "POST", url: "/v1/chat/completions", headers: { origin: page } },
    { method: "POST", url: "/v1/chat/completions", headers: { origin: "https://b.example" } },
    { method: "OPTIONS", url: "/v1/chat/completions", headers: { origin: page, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } },
    { method: "OPTIONS", url: "/v1/chat/completions", headers: { origin: page } },
    { method: "OPTIONS", url: "/v1/chat/completions", headers: { "access-control-request-method": "POST" } },
    { method: "OPTIONS", url: "/v1/chat/completions" },
    { method: "OPTIONS", url: "/v1/models", headers: { origin: page, "access-control-request-method": "GET" } },
    { method: "OPTIONS", url: "/v1/models", headers: { origin: page, "access-control-request-method": "POST" } },
    { method: "OPTIONS", url: "/v1/streams/7/settle?x=1", headers: { origin: page, "access-control-request-method": "post" } },
    { method: "OPTIONS", url: "/v1/dashboard", headers: { origin: page, "access-control-request-method": "GET" } },
    { method: "GET", url: "/v1/models", headers: { origin: page } },
    { method: "HEAD", url: "/v1/models", headers: { origin: page } },
    { method: "POST", url: "/v1/streams/7/settle", headers: { origin: page } },
    { method: "GET", url: "/v1/dashboard", headers: { origin: page } },
    { method: "GET", url: "/v1/dashboard" },
    { method: "GET", url: "/star", headers: { origin: page } },
    { method: "GET", url: "/nowhere", headers: { origin: page } },
  ];
  for (const origins of [["*"], [page], []] as const) {
    const before = await appWith((app) => pluginCors(app, origins));
    const after = await appWith((app) => registerCors(app, { origins, limitPreflight: async () => undefined }));
    for (const r of requests) {
      const [a, b] = await Promise.all([before, after].map((app) => app.inject({ method: r.method, url: r.url, headers: r.headers ?? {} })));
      const what = `${origins.join(",") || "(off)"} ${r.method} ${r.url} ${JSON.stringify(r.headers ?? {})}`;
      assert.equal(b!.statusCode, a!.statusCode, what);
      assert.deepEqual(kept(b!.headers), kept(a!.headers), what);
      assert.equal(b!.body, a!.body, what);
    }
    await Promise.all([before.close(), after.close()]);
  }
});
