/**
 * The plugin SDK: `definePlugin` and everything a backend author needs (types, ClawError, the
 * shared HTTP/SSE/NDJSON/retry helpers). Published as `clawcompute/plugin`.
 */
import type { z } from "zod";
import type { Capabilities, PluginDefinition, PluginKind, Task } from "./types.ts";

export type * from "./types.ts";
export { ClawError, isClawError } from "../runtime/core/errors.ts";
export { createHttpClient, joinUrl, type HttpClient, type HttpClientOptions, type HttpRequest, type HttpResponse } from "./lib/http.ts";
export { abortError, extractBackendError, httpError, malformed, parseRetryAfter, statusToCode, streamError } from "./lib/errors.ts";
export { retryCall, withRetries, type RetryOptions } from "./lib/retry.ts";
export { sseEvents } from "./lib/sse.ts";
export { ndjsonLines } from "./lib/ndjson.ts";
export { sleep } from "./lib/sleep.ts";
export { bearerFromEnv, httpOptionFields } from "./lib/options.ts";
export { usageChunk, msFromNs, msFromSeconds } from "./lib/usage.ts";
export { probe } from "./lib/health.ts";
export { noCapabilities, missingCapability, textOf } from "./lib/capabilities.ts";
import { noCapabilities } from "./lib/capabilities.ts";

/** Tasks a kind accepts when a plugin does not list its own. */
export const defaultTasks: Record<PluginKind, readonly Task[]> = {
  text: ["chat", "completion"],
  image: ["image"],
  audio: ["transcription"],
};

export interface PluginInput<S extends z.ZodType> extends Omit<PluginDefinition<S>, "tasks" | "capabilities"> {
  tasks?: readonly Task[];
  /** What chat jobs may ask beyond text; unnamed capabilities are false. */
  capabilities?: Partial<Capabilities>;
}

/**
 * Declares a backend plugin; the result is the module's default export.
 *
 * @example
 * export default definePlugin({
 *   name: "shout", kind: "text", description: "Answers in capitals.",
 *   capabilities: { tools: false, images: false, json: false },
 *   options: z.strictObject({ suffix: z.string().default("!") }),
 *   create: (options) => ({ health: async () => ({ ok: true }), models: async () => [{ id: "shout" }], infer: ... }),
 * });
 */
export function definePlugin<S extends z.ZodType>(def: PluginInput<S>): PluginDefinition<S> {
  if (typeof def?.name !== "string" || !/^[a-z0-9][a-z0-9._-]*$/i.test(def.name)) {
    throw new TypeError(`definePlugin: name must be a simple identifier, got ${JSON.stringify(def?.name)}`);
  }
  if (!(def.kind in defaultTasks)) throw new TypeError(`definePlugin(${def.name}): kind must be text, image or audio`);
  if (typeof def.create !== "function") throw new TypeError(`definePlugin(${def.name}): create must be a function`);
  if (!def.options || typeof (def.options as { safeParse?: unknown }).safeParse !== "function") {
    throw new TypeError(`definePlugin(${def.name}): options must be a zod schema`);
  }
  return Object.freeze({ ...def, tasks: def.tasks ?? defaultTasks[def.kind], capabilities: { ...noCapabilities, ...def.capabilities } });
}
