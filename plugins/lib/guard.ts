/**
 * The contract, enforced around any plugin's backend (ours or a third party's), so the runtime can
 * rely on it: every failure is a ClawError, an aborted job ends with the abort error, unsupported
 * tasks and chat jobs needing a capability it lacks are refused, the last chunk is a usage chunk, and health() never throws.
 */
import { ClawError } from "../../runtime/core/errors.ts";
import type { Backend, Capabilities, Chunk, InferenceJob, PluginDefinition } from "../types.ts";
import { missingCapability, noCapabilities } from "./capabilities.ts";
import { abortError } from "./errors.ts";
import { usageChunk } from "./usage.ts";

function asClawError(plugin: string, err: unknown, signal?: AbortSignal): ClawError {
  if (signal?.aborted) return abortError(signal);
  if (err instanceof ClawError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ClawError("INTERNAL", { message: `Plugin "${plugin}" failed: ${message}`, details: { plugin }, cause: err });
}

/**
 * Wraps `backend` so it keeps the contract whatever the plugin does.
 *
 * @example const backend = guardBackend(plugin, await plugin.create(options, ctx));
 */
export function guardBackend(plugin: Pick<PluginDefinition, "name" | "tasks"> & { capabilities?: Partial<Capabilities> }, backend: Backend): Backend {
  const name = plugin.name;
  // The instance's own word wins over the plugin's declaration (options can narrow or widen it).
  const capabilities: Capabilities = Object.freeze({ ...noCapabilities, ...plugin.capabilities, ...backend.capabilities });
  const guarded: Backend = {
    capabilities,
    async health(signal) {
      try {
        return await backend.health(signal);
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    async models(signal) {
      try {
        return await backend.models(signal);
      } catch (err) {
        throw asClawError(name, err, signal);
      }
    },
    infer(job: InferenceJob, signal: AbortSignal): AsyncIterable<Chunk> {
      return (async function* () {
        if (!plugin.tasks.includes(job.task)) {
          throw new ClawError("BACKEND_BAD_REQUEST", {
            message: `Plugin "${name}" does not do ${job.task} jobs (it does: ${plugin.tasks.join(", ")}).`,
            details: { plugin: name, task: job.task },
          });
        }
        if (job.task === "chat") {
          const missing = missingCapability(job, capabilities, `Plugin "${name}"`);
          if (missing) throw missing;
        }
        if (signal.aborted) throw abortError(signal);
        let last: Chunk | undefined;
        try {
          for await (const chunk of backend.infer(job, signal)) {
            if (signal.aborted) throw abortError(signal);
            last = chunk;
            yield chunk;
          }
        } catch (err) {
          throw asClawError(name, err, signal);
        }
        if (last?.type !== "usage") yield usageChunk();
      })();
    },
  };
  if (backend.close) guarded.close = () => backend.close!();
  return guarded;
}
