/**
 * The web dashboard (dashboard/, built to dashboard/dist) served at `/`, and the JSON it needs that
 * only the runtime can answer, so that the browser needs no RPC access of its own to look around:
 *   GET  /v1/dashboard     this runtime: chain, contracts, wallet, offerings, log position, recent streams
 *   GET  /v1/market        every active registry provider (read by the runtime) with its on-chain reputation (the
 *                          scorecard: ratings, paid-weighted averages, paid by raters) and a health probe, in
 *                          discovery's order (client/rank.ts: effective price = price / quality)
 *                          (only of endpoints that resolve to public addresses: runtime/net/public-probe.ts)
 *   GET  /v1/earnings      this provider's earnings from the log: totals, per offering, per day, a timeline
 *   GET  /v1/dev/accounts  (claw dev only) the funded consumer accounts, for the chat's one-click buyer
 *   POST /v1/dev/rpc       (claw dev only) the local chain's JSON-RPC, read and raw-transaction methods only
 * The dev routes answer only requests addressed to this machine's loopback name (Host 127.0.0.1 or
 * localhost: a DNS-rebinding page sends its own name) and, from a browser, only this runtime's own
 * page (Origin) or a configured one; the RPC only application/json (a cross-site page cannot send
 * that without a CORS preflight, which these routes never answer: server/cors.ts opens only the buyer routes).
 * Amounts are decimal strings of wei.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Address } from "viem";
import { toJsonSafe } from "../../core/event-codec.ts";
import { ClawError } from "../../core/errors.ts";
import type { StoredEvent } from "../../core/events.ts";
import type { ClientChain } from "../../client/chain.ts";
import { byPrice } from "../../client/discover.ts";
import { probePublicHealth } from "../../net/public-probe.ts";
import { isLocalHost, originAllowed } from "../origin.ts";
import { effectivePrice, rankProviders } from "../../client/rank.ts";
import { activeProviders, reputationsOf } from "../../client/registry.ts";
import type { ProviderInfo } from "../../client/types.ts";
import { bound } from "../bound.ts";
import type { ServerContext } from "../context.ts";

/** Where `npm run build` in dashboard/ puts the page. */
export const dashboardDist = resolve(import.meta.dirname, "../../../dashboard/dist");

const MARKET_TTL_MS = 2_000;
const HEALTH_TTL_MS = 15_000;
const PROBE_TIMEOUT_MS = 1_500;
const MINUTE = 60_000;
const TIMELINE_MAX_POINTS = 240;
const TIMELINE_STEPS = [MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 6 * 60 * MINUTE, 24 * 60 * MINUTE];
/**
 * The dev RPC proxy forwards reads and already-signed transactions, nothing else: anvil's accounts are
 * unlocked and it has node-side signing and cheat methods (eth_sendUnsignedTransaction, anvil_*).
 */
const DEV_RPC_ALLOWED = new Set([
  "eth_chainId", "net_version", "web3_clientVersion", "eth_blockNumber", "eth_getBalance", "eth_getCode", "eth_getStorageAt",
  "eth_getTransactionCount", "eth_call", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory",
  "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_getLogs",
  "eth_sendRawTransaction",
]);
/** At most this many calls in one batch. */
const DEV_RPC_MAX_BATCH = 32;
/** Health probes remembered (one per endpoint); a registry full of endpoints cannot grow it further. */
const HEALTH_CACHE_MAX = 1_000;

/** The page's security policy: nothing loads from another host; connections may go to any provider's API. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' ws: wss: http: https:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

type Health = { ok: boolean; latencyMs: number; detail?: string };
type MarketProvider = ProviderInfo & { self: boolean; health: Health };
type Cached<T> = { at: number; value: Promise<T> };

/** Reads the registry (or, without a chain reader, the providers this runtime's log knows), cached for a moment. */
function createMarketReader(ctx: ServerContext, chainRead: <T>(read: () => Promise<T>) => Promise<T>) {
  let cached: Cached<{ source: "chain" | "log"; providers: MarketProvider[] }> | undefined;
  const health = new Map<string, Cached<Health>>();

  const isSelf = (p: ProviderInfo) => p.wallet.toLowerCase() === ctx.wallet.toLowerCase() && ctx.offerings.get(p.model)?.providerId === p.id;

  function probe(p: ProviderInfo): Promise<Health> {
    const key = isSelf(p) ? "self" : p.endpoint;
    const hit = health.get(key);
    if (hit && Date.now() - hit.at < HEALTH_TTL_MS) return hit.value;
    const value = isSelf(p) ? selfHealth() : probePublicHealth(p.endpoint, { timeoutMs: PROBE_TIMEOUT_MS, allowLoopback: ctx.dev !== undefined });
    if (health.size >= HEALTH_CACHE_MAX) health.clear();
    health.set(key, { at: Date.now(), value });
    return value;
  }

  async function selfHealth(): Promise<Health> {
    const started = performance.now();
    const report = await ctx.health().catch((err: unknown) => ({ ok: false, detail: String(err) }));
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    return report.ok ? { ok: true, latencyMs } : { ok: false, latencyMs, detail: "this runtime reports a failing part (see /health)" };
  }

  async function fromLog(): Promise<ProviderInfo[]> {
    return [...ctx.views.providers.values()]
      .filter((p) => p.active && p.model !== null && p.wallet !== null && p.endpoint !== null)
      .map((p) => ({
        id: p.providerId, wallet: p.wallet as Address, model: p.model!, endpoint: p.endpoint!, pricePerSecond: p.pricePerSecond ?? 0n,
        serviceType: ctx.offerings.get(p.model!)?.serviceType ?? 0, active: true, retired: false, completedJobs: p.completedJobs ?? 0n, totalEarned: p.totalEarned ?? 0n, registeredAt: 0n,
      }));
  }

  async function read() {
    let source: "chain" | "log" = "log";
    let found: ProviderInfo[];
    if (ctx.publicClient) {
      const chain: ClientChain = { chainId: ctx.chainId, rpcUrl: "", contracts: ctx.contracts, publicClient: ctx.publicClient, confirmations: 1, pollingIntervalMs: 1000 };
      // Reputations of the 256 cheapest at one block (the rest show unrated), as discovery reads them.
      found = await chainRead(async () => reputationsOf(chain, (await activeProviders(chain)).filter((p) => p.active).sort(byPrice)));
      source = "chain";
    } else found = await fromLog();
    const providers = await Promise.all(found.filter((p) => p.active).map(async (p) => ({ ...p, self: isSelf(p), health: await probe(p) })));
    return { source, providers: rankProviders(providers) };
  }

  return function market() {
    if (!cached || Date.now() - cached.at >= MARKET_TTL_MS) {
      const value = read();
      cached = { at: Date.now(), value };
      value.catch(() => { if (cached?.value === value) cached = undefined; });
    }
    return cached.value;
  };
}

type Bucket = { earned: bigint; settled: bigint; jobs: number };

/** Earned (metered job costs) and settled (on chain) per minute, from the log, kept current. */
function createEarningsTimeline(ctx: ServerContext) {
  const minutes = new Map<number, Bucket>();
  const add = (e: StoredEvent) => {
    if (e.type !== "JobCompleted" && e.type !== "JobFailed" && e.type !== "StreamSettled") return;
    const t = Math.floor(e.time / MINUTE) * MINUTE;
    let b = minutes.get(t);
    if (!b) minutes.set(t, (b = { earned: 0n, settled: 0n, jobs: 0 }));
    if (e.type === "StreamSettled") b.settled += e.data.earned;
    else {
      b.earned += e.data.cost;
      b.jobs += 1;
    }
  };
  let last = 0;
  for (;;) {
    const page = ctx.store.read({ from: last + 1, types: ["JobCompleted", "JobFailed", "StreamSettled"], limit: 10_000 });
    page.forEach(add);
    if (page.length < 10_000) break;
    last = page.at(-1)!.position;
  }
  const unsubscribe = ctx.store.subscribe(add);

  /** Buckets coarse enough to stay under TIMELINE_MAX_POINTS, oldest first. */
  function points() {
    const keys = [...minutes.keys()].sort((a, b) => a - b);
    const span = keys.length ? keys.at(-1)! - keys[0]! : 0;
    const step = TIMELINE_STEPS.find((s) => span / s < TIMELINE_MAX_POINTS) ?? TIMELINE_STEPS.at(-1)!;
    const out = new Map<number, Bucket>();
    for (const k of keys) {
      const t = Math.floor(k / step) * step;
      const b = minutes.get(k)!;
      const o = out.get(t) ?? { earned: 0n, settled: 0n, jobs: 0 };
      out.set(t, { earned: o.earned + b.earned, settled: o.settled + b.settled, jobs: o.jobs + b.jobs });
    }
    return { stepMs: step, points: [...out].map(([t, b]) => ({ t, ...b })) };
  }
  return { points, unsubscribe };
}

function staticHeaders(reply: { header(name: string, value: string): unknown }, path: string): void {
  if (path.endsWith(".html")) {
    reply.header("cache-control", "no-cache");
    reply.header("content-security-policy", CSP);
    reply.header("x-content-type-options", "nosniff");
  } else if (/[\\/]assets[\\/]/.test(path)) reply.header("cache-control", "public, max-age=31536000, immutable");
}

const notBuilt = `<!doctype html><meta charset="utf-8"><title>ClawCompute</title><body style="font-family:system-ui;max-width:40rem;margin:3rem auto;line-height:1.5">
<h1>The dashboard is not built</h1><p>Run <code>npm install</code> at the repository root (it builds <code>dashboard/</code>), or <code>cd dashboard && npm install && npm run build</code>, then reload. The API is up: <a href="/health">/health</a>, <a href="/v1/models">/v1/models</a>.</p>`;

/**
 * @example
 * await app.register(dashboardRoutes(ctx)); // the page at /, and /v1/dashboard, /v1/market, /v1/earnings
 */
export function dashboardRoutes(
  ctx: ServerContext,
  o: { distDir?: string; allowedOrigins?: readonly string[]; chainRead?: <T>(read: () => Promise<T>) => Promise<T> } = {},
) {
  return async (app: FastifyInstance) => {
    const market = createMarketReader(ctx, o.chainRead ?? ((read) => read()));
    const timeline = createEarningsTimeline(ctx);
    app.addHook("onClose", async () => timeline.unsubscribe());

    const dist = o.distDir ?? dashboardDist;
    if (existsSync(join(dist, "index.html"))) {
      await app.register(fastifyStatic, { root: dist, prefix: "/", index: "index.html", cacheControl: false, setHeaders: staticHeaders });
    } else {
      app.get("/", async (_request, reply) => reply.status(503).type("text/html; charset=utf-8").send(notBuilt));
    }

    app.get("/v1/dashboard", async () => toJsonSafe({
      chainId: ctx.chainId,
      contracts: ctx.contracts,
      wallet: ctx.wallet,
      publicUrl: ctx.publicUrl,
      dev: ctx.dev !== undefined,
      logPosition: ctx.store.lastPosition(),
      offerings: [...ctx.offerings.values()].map((f) => ({ model: f.model, kind: f.kind, providerId: f.providerId, pricePerSecond: f.pricePerSecond, serviceType: f.serviceType })),
      recentStreams: [...ctx.views.streams.values()].sort((a, b) => b.lastTime - a.lastTime).slice(0, 20)
        .map((s) => ({ streamId: s.streamId, status: s.status, sender: s.sender, deposit: s.deposit, metered: s.metered, jobs: s.jobs, lastTime: s.lastTime })),
    }));

    app.get("/v1/market", { schema: { querystring: { type: "object", properties: { model: { type: "string", minLength: 1, maxLength: 128 } } } } }, async (request) => {
      const { source, providers } = await market();
      const model = (request.query as { model?: string }).model;
      return toJsonSafe({
        chainId: ctx.chainId, contracts: ctx.contracts, source, readAt: Date.now(),
        models: [...new Set(providers.map((p) => p.model))].sort(),
        providers: providers.filter((p) => model === undefined || p.model === model).map((p) => ({ ...p, pricePerMinute: p.pricePerSecond * 60n, effectivePricePerSecond: effectivePrice(p) })),
      });
    });

    app.get("/v1/earnings", async () => {
      const e = ctx.views.earnings;
      return toJsonSafe({
        wallet: ctx.wallet,
        total: e.total,
        settled: e.settled,
        byOffering: [...e.byOffering].map(([model, b]) => ({ model, ...b })),
        byDay: [...e.byDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, b]) => ({ day, ...b })),
        timeline: timeline.points(),
      });
    });

    const dev = ctx.dev;
    if (!dev) return;
    const localOnly = async (request: FastifyRequest) => {
      const origin = request.headers.origin;
      if (!isLocalHost(request.headers.host) || !originAllowed(origin, request.headers.host, { allowed: o.allowedOrigins ?? [] })) {
        throw new ClawError("ORIGIN_FORBIDDEN", { message: "The dev routes answer only this machine's own page (Host 127.0.0.1 or localhost, same Origin)." });
      }
    };
    app.get("/v1/dev/accounts", { preHandler: localOnly }, async () => {
      const balances = await Promise.all(dev.accounts.map((a) => ctx.publicClient?.getBalance({ address: a.address }).catch(() => undefined)));
      return toJsonSafe({
        chainId: ctx.chainId, rpcPath: "/v1/dev/rpc", contracts: ctx.contracts,
        accounts: dev.accounts.map((a, i) => ({ address: a.address, privateKey: a.privateKey, balance: balances[i] })),
      });
    });

    app.post("/v1/dev/rpc", { preHandler: localOnly }, async (request, reply) => {
      if (!/^application\/json\s*(;|$)/i.test(request.headers["content-type"] ?? "")) {
        throw new ClawError("UNSUPPORTED_MEDIA_TYPE", { message: "The dev RPC proxy accepts only application/json." });
      }
      const single = !Array.isArray(request.body);
      const calls = (single ? [request.body] : request.body) as Array<{ method?: unknown; id?: unknown } | null>;
      if (calls.length > DEV_RPC_MAX_BATCH) throw new ClawError("VALIDATION_FAILED", { message: `At most ${DEV_RPC_MAX_BATCH} calls per batch.` });
      const methodOf = (c: { method?: unknown } | null) => (typeof c?.method === "string" ? c.method : "");
      // A method off the list gets a JSON-RPC error (as a node answers an unknown method; viem probes
      // some, e.g. eth_fillTransaction, and falls back); it never reaches anvil.
      const refused = calls.filter((c) => !DEV_RPC_ALLOWED.has(methodOf(c))).map((c) => ({
        jsonrpc: "2.0", id: typeof c?.id === "number" || typeof c?.id === "string" ? c.id : null,
        error: { code: -32601, message: `The dev RPC proxy does not forward "${bound(methodOf(c), 64) || "(no method)"}": sign in the browser and use eth_sendRawTransaction.` },
      }));
      const allowed = calls.filter((c) => DEV_RPC_ALLOWED.has(methodOf(c)));
      if (allowed.length === 0) return reply.type("application/json").send(single ? refused[0] : refused);
      let res: Response;
      try {
        res = await fetch(dev.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(single ? allowed[0] : allowed), signal: AbortSignal.timeout(30_000) });
      } catch (cause) {
        throw new ClawError("CHAIN_UNAVAILABLE", { message: `The local chain at ${dev.rpcUrl} does not answer.`, cause });
      }
      const text = await res.text();
      if (single || refused.length === 0) return reply.status(res.status).type("application/json").send(text);
      let answered: unknown;
      try {
        answered = JSON.parse(text);
      } catch {
        return reply.status(502).type("application/json").send(text);
      }
      return reply.status(res.status).type("application/json").send([...(Array.isArray(answered) ? answered : [answered]), ...refused]);
    });
  };
}
