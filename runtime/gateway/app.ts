/**
 * The gateway's request handler on web standards (Request -> Response): access check, then the
 * paying fetch for /v1/*; GET /health (no key); GET /v1/gateway/status (key) for `claw gateway status`.
 * Browser preflights (OPTIONS) are answered only for configured origins.
 */
import { ClawError } from "../core/errors.ts";
import type { PayingFetch } from "../client/paying-fetch.ts";
import { errorResponse } from "../client/openai-request.ts";
import { checkAccess } from "./access.ts";

export type GatewayAppOptions = {
  key: string;
  allowedOrigins: readonly string[];
  payingFetch: PayingFetch;
  status: () => Promise<unknown>;
};

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)), { status, headers: { "content-type": "application/json" } });

function cors(res: Response, origin: string | null, allowed: readonly string[]): Response {
  if (origin === null || !allowed.includes(origin)) return res;
  const headers = new Headers(res.headers);
  headers.set("access-control-allow-origin", origin);
  headers.set("vary", "origin");
  return new Response(res.body, { status: res.status, headers });
}

export function createGatewayApp(o: GatewayAppOptions): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    const origin = req.headers.get("origin");
    if (req.method === "GET" && url.pathname === "/health") return json({ ok: true });
    if (req.method === "OPTIONS") {
      if (origin === null || !o.allowedOrigins.includes(origin)) return errorResponse(new ClawError("ORIGIN_FORBIDDEN", { message: "This origin may not use the gateway." }));
      return new Response(null, {
        status: 204,
        headers: { "access-control-allow-origin": origin, "access-control-allow-methods": "GET, POST", "access-control-allow-headers": "authorization, content-type", "access-control-max-age": "600" },
      });
    }
    try {
      checkAccess(req.headers, o.key, o.allowedOrigins);
      if (req.method === "GET" && url.pathname === "/v1/gateway/status") return json(await o.status());
      if (!url.pathname.startsWith("/v1/")) throw new ClawError("NOT_FOUND", { message: `Nothing is at ${url.pathname.slice(0, 200)}; the OpenAI API is under /v1.` });
      // The caller's key is for this gateway only: it is not forwarded anywhere.
      const headers = new Headers(req.headers);
      headers.delete("authorization");
      return cors(await o.payingFetch(new Request(req, { headers })), origin, o.allowedOrigins);
    } catch (err) {
      return cors(errorResponse(err), origin, o.allowedOrigins);
    }
  };
}
