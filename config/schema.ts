/**
 * The one schema for claw.config.ts (Fastify's rule: config checked by one schema with defaults).
 * Every field has a default except what only the operator can know. Errors name the field path.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { chainPresetNames } from "./presets.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte hex address");

/** Wei amounts: bigint, a decimal string or a safe integer; always a bigint after parsing. */
export const wei = z
  .union([z.bigint(), z.string().regex(/^\d+$/, "a whole number of wei as digits"), z.number().int().nonnegative()])
  .transform((v) => BigInt(v))
  .refine((v) => v >= 0n, "a non-negative amount of wei");

export const chainSchema = z
  .object({
    preset: z.enum(chainPresetNames).default("local"),
    rpcUrl: z.string().url().optional(),
    chainId: z.number().int().positive().optional(),
    contracts: z.object({ registry: address, streamPay: address }).optional(),
    confirmations: z.number().int().min(0).max(64).default(1),
    pollIntervalMs: z.number().int().min(50).default(1000),
  })
  .default({ preset: "local", confirmations: 1, pollIntervalMs: 1000 });

export const offeringSchema = z.object({
  model: z.string().min(1).max(128),
  backend: z.string().min(1).describe("a folder in plugins/, a file path or an npm package name"),
  options: z.record(z.string(), z.unknown()).default({}),
  pricePerSecond: wei.refine((v) => v > 0n, "a price above 0 wei per second"),
  /** Registry service type; default from the plugin kind: text 0, image 1, audio 2. */
  serviceType: z.number().int().min(0).max(255).optional(),
  concurrency: z.number().int().min(1).max(1024).default(4),
  maxQueue: z.number().int().min(0).default(256),
  maxJobSeconds: z.number().positive().default(120),
});

/** How long the HTTP server waits for a client (ms). 0 disables one (never do that on the open internet). */
export const timeoutsSchema = z
  .object({
    /** The whole request (headers and body) must arrive within this (slow bodies are cut: 408). */
    requestMs: z.number().int().min(0).default(30_000),
    /** The request headers must arrive within this. */
    headersMs: z.number().int().min(0).default(10_000),
    /** An idle keep-alive connection is closed after this. */
    keepAliveMs: z.number().int().min(0).default(5_000),
    /** A connection with no traffic in either direction is closed after this (must exceed a job's silent run). */
    idleMs: z.number().int().min(0).default(300_000),
  })
  .prefault({});

/** What one client (one IP) or one connection may hold or ask for. */
export const limitsSchema = z
  .object({
    /** Open TCP connections on the public port, in all (new ones are refused beyond). */
    maxConnections: z.number().int().min(1).default(2048),
    /** Open TCP connections from one IP address. */
    maxConnectionsPerIp: z.number().int().min(1).default(128),
    /** Requests per minute per IP on the unpaid routes (429 with Retry-After beyond). */
    unpaidPerMinute: z.number().int().min(1).default(1200),
    /** Refused paid-route requests per minute per IP (anonymous garbage); 429 beyond, before any check. */
    refusalsPerMinute: z.number().int().min(1).default(600),
    /** Open WebSockets per IP. */
    wsPerIp: z.number().int().min(1).default(16),
    /** Messages one WebSocket may send per minute (the socket is closed beyond). */
    wsMessagesPerMinute: z.number().int().min(1).default(120),
    /** Bytes queued unread on a WebSocket before the reader is deemed too slow and closed. */
    wsMaxBufferedBytes: z.number().int().min(16_384).default(1_048_576),
    /** Bytes of events per replay page (the next page waits until the socket drained). */
    wsReplayPageBytes: z.number().int().min(4096).default(262_144),
    /** Parts a multipart body may have (counted over the raw bytes before parsing). */
    multipartMaxParts: z.number().int().min(1).default(16),
  })
  .prefault({});

/** A web origin as a browser sends it: scheme, host and port, nothing else ("https://app.example", "http://127.0.0.1:5173"). */
function isWebOrigin(v: string): boolean {
  try {
    const u = new URL(v);
    // No wildcard hosts: a browser never sends one, so "https://*.example" would match nothing.
    return (u.protocol === "https:" || u.protocol === "http:") && u.origin === v && !u.hostname.includes("*");
  } catch {
    return false;
  }
}

/**
 * Cross-origin (CORS) access to the buyer routes only (paid routes, settle, /health, /v1/models,
 * /v1/quote; runtime/server/cors.ts). Any origin by default: those routes are paid by construction
 * (a signed proof in each request's headers, no cookies), so a page can spend only what it signs.
 * A list restricts them to those pages; [] turns CORS off. Never with credentials.
 */
export const corsSchema = z
  .object({
    origins: z
      .array(z.string().max(256).refine((v) => v === "*" || isWebOrigin(v), "an origin like https://app.example (scheme, host and optional port; no path or trailing slash), or *"))
      .max(64)
      .default(["*"]),
  })
  .prefault({});

/** A proxy address as Fastify's trustProxy (proxy-addr) reads it: an IP, a CIDR range or one of its named ranges. */
function isProxyAddress(v: string): boolean {
  if (v === "loopback" || v === "linklocal" || v === "uniquelocal") return true;
  const [ip, bits, ...rest] = v.split("/");
  if (rest.length > 0 || !ip || isIP(ip) === 0) return false;
  if (bits === undefined) return true;
  const max = isIP(ip) === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

/**
 * Which peers are reverse proxies whose X-Forwarded-For names the client (Fastify's `trustProxy`):
 * false (default: the socket's peer is the client, a forged header changes nothing), true (trust every
 * hop: only when nothing but the proxy can reach the port), a hop count, or the proxies' addresses.
 * The per-IP limits (refusals, unpaid routes, WebSockets) key on the client address it yields.
 */
export const trustProxySchema = z
  .union([
    z.boolean(),
    z.number().int().min(1).max(16),
    z.array(z.string().max(64).refine(isProxyAddress, "an IP address, a CIDR range (10.0.0.0/8) or loopback / linklocal / uniquelocal")).min(1).max(64),
  ])
  .default(false);

/** postgres://user:password@host[:port]/database — the only database URL the store takes. */
const storeUrlSchema = z.string().max(2048).refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === "postgres:" || u.protocol === "postgresql:") && u.hostname !== "" && u.pathname.length > 1;
  } catch {
    return false;
  }
}, { message: "store.url must be postgres://user:password@host[:port]/database" });

export const configSchema = z.object({
  chain: chainSchema,
  wallet: z.object({ privateKeyEnv: z.string().min(1).default("PRIVATE_KEY") }).default({ privateKeyEnv: "PRIVATE_KEY" }),
  server: z
    .object({
      host: z.string().default("127.0.0.1"),
      port: z.number().int().min(0).max(65535).default(8787),
      publicUrl: z.string().url().optional(),
      bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
      uploadLimitBytes: z.number().int().min(1024).default(26_214_400),
      overwritePublicEndpoint: z.boolean().default(false),
      /** Browser origins (besides the runtime's own) allowed to open /v1/ws and call the dev routes, e.g. "https://app.example". */
      allowedOrigins: z.array(z.string().url().max(256)).max(64).default([]),
      cors: corsSchema,
      trustProxy: trustProxySchema,
      timeouts: timeoutsSchema,
      limits: limitsSchema,
    })
    .prefault({}),
  /** GET /metrics (Prometheus text format) on its own listener, loopback by default: never on the public port. */
  metrics: z
    .object({
      enabled: z.boolean().default(true),
      host: z.string().default("127.0.0.1"),
      /** 0 picks a free port; a port already in use is reported in the log and metrics are then off. */
      port: z.number().int().min(0).max(65535).default(9464),
    })
    .prefault({}),
  store: z
    .object({
      path: z.string().default(".claw/events.db"),
      durability: z.enum(["normal", "full"]).default("normal"),
      /**
       * Where the SQLite log's WAL checkpoints run: "background" (a worker thread, off the request path;
       * inline under Deno or node:sqlite) or "inline" (inside the commit that crosses SQLite's threshold).
       */
      checkpoint: z.enum(["background", "inline"]).default("background"),
      /**
       * A PostgreSQL database for the log instead of the SQLite file: several `claw start` processes of
       * one provider share it (runtime/store/README.md "PostgreSQL"). Env override: CLAW_STORE_URL.
       */
      url: storeUrlSchema.optional(),
      /**
       * With `url` (several instances): a job's stream slot in the database lives this long unless
       * renewed (every third of it while the job runs), so a dead instance's slots and jobs free within it.
       */
      slotTtlMs: z.number().int().min(1000).max(600_000).default(30_000),
      /** With `url`: how often an instance without the settler or watcher role asks for it (the takeover delay). */
      leaderRetryMs: z.number().int().min(100).max(60_000).default(1000),
    })
    .default({ path: ".claw/events.db", durability: "normal", checkpoint: "background", slotTtlMs: 30_000, leaderRetryMs: 1000 }),
  offerings: z.array(offeringSchema).min(1, "at least one offering"),
  settlement: z
    .object({
      idleSeconds: z.number().min(0).default(30),
      withdrawIntervalSeconds: z.number().min(0).default(0),
      minJobMs: z.number().int().min(1).default(1000),
      /** No job runs into the last endMarginSeconds of a stream; the stream is settled then, before it expires. */
      endMarginSeconds: z.number().min(0).default(5),
      /** A running job's delivered work is made durable this often (ms): what a crash can leave unbilled. */
      progressMs: z.number().int().min(50).max(60_000).default(1000),
    })
    .default({ idleSeconds: 30, withdrawIntervalSeconds: 0, minJobMs: 1000, endMarginSeconds: 5, progressMs: 1000 }),
  log: z
    .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"), pretty: z.boolean().default(false) })
    .default({ level: "info", pretty: false }),
});

/** What the operator writes (defaults optional, amounts as bigint or digits). */
export type ClawConfigInput = z.input<typeof configSchema>;
/** What the runtime receives: every default filled in, amounts as bigint. */
export type ClawConfig = z.output<typeof configSchema>;
export type OfferingConfig = z.output<typeof offeringSchema>;
