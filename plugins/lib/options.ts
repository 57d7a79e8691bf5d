/**
 * Option fields every HTTP backend shares, as zod 4 shapes with sane defaults, so that the operator
 * writes the same names for every backend (baseUrl, timeoutMs, idleTimeoutMs, retries, ...).
 */
import { z } from "zod";
import { ClawError } from "../../runtime/core/errors.ts";
import type { Capabilities, PluginContext } from "../types.ts";

export interface HttpDefaults {
  baseUrl: string;
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

/**
 * The shared option fields; spread them into a plugin's `z.strictObject({...})`.
 *
 * @example const options = z.strictObject({ ...httpOptionFields({ baseUrl: "http://127.0.0.1:11434" }), keepAlive: z.string().optional() });
 */
export function httpOptionFields(defaults: HttpDefaults) {
  return {
    baseUrl: z.url().default(defaults.baseUrl).describe("where the backend listens"),
    timeoutMs: z.number().int().positive().default(defaults.timeoutMs ?? 60_000).describe("ms until the response headers arrive"),
    idleTimeoutMs: z.number().int().positive().default(defaults.idleTimeoutMs ?? 60_000).describe("ms allowed between two streamed chunks"),
    retries: z.number().int().min(0).max(10).default(2).describe("extra attempts before the first chunk (never after)"),
    retryBaseMs: z.number().int().min(0).default(250).describe("first backoff delay, doubled each attempt"),
    maxRetryDelayMs: z.number().int().min(0).default(10_000).describe("longest wait between attempts, retry-after included"),
    headers: z.record(z.string(), z.string()).default({}).describe("extra request headers"),
  };
}

/**
 * The Authorization header from an API key held in the environment variable `envName`.
 * `required` makes a missing key a startup error naming the variable.
 *
 * @example bearerFromEnv("groq", ctx, "GROQ_API_KEY", true) // { authorization: "Bearer gsk_..." }
 */
export function bearerFromEnv(plugin: string, ctx: PluginContext, envName: string | undefined, required: boolean): Record<string, string> {
  if (!envName) return {};
  const key = ctx.env[envName];
  if (!key) {
    if (!required) return {};
    throw new ClawError("PLUGIN_OPTIONS_INVALID", {
      message: `Plugin "${plugin}": the environment variable ${envName} (option apiKeyEnv) is not set; it must hold the API key.`,
      details: { plugin, field: "apiKeyEnv", envName },
    });
  }
  return { authorization: `Bearer ${key}` };
}

/**
 * The `capabilities` option: the operator states what the served model can do when it differs
 * from the plugin's declaration (a vLLM without a tool parser, a model without vision, ...).
 *
 * @example const options = z.strictObject({ ...httpOptionFields(d), capabilities: capabilitiesOption });
 */
export const capabilitiesOption = z
  .strictObject({ tools: z.boolean().optional(), images: z.boolean().optional(), json: z.boolean().optional() })
  .optional()
  .describe("what the served model can do beyond text (tools, images, json); default: the plugin's declaration");

/** The backend's `capabilities` from the option, without undefined fields. */
export function capabilitiesFrom(o: { capabilities?: { tools?: boolean | undefined; images?: boolean | undefined; json?: boolean | undefined } | undefined }): Partial<Capabilities> {
  return Object.fromEntries(Object.entries(o.capabilities ?? {}).filter(([, v]) => v !== undefined)) as Partial<Capabilities>;
}
