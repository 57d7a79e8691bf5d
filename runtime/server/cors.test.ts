import assert from "node:assert/strict";
import { test } from "node:test";
import { decideCors, routeMatcher, type BuyerRoute, type CorsAsk } from "./cors.ts";

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
