/**
 * Turns the configured offerings into served ones: loads each backend plugin (folder, path or npm
 * package), validates its options and starts it. Any failure stops startup naming the offering.
 */
import type { OfferingConfig } from "../../config/schema.ts";
import { createBackend, loadPlugin } from "../../plugins/loader.ts";
import type { PluginContext } from "../../plugins/types.ts";
import { ClawError } from "../core/errors.ts";
import { createOfferingQueue } from "../scheduler/offering-queue.ts";
import type { ServedOffering } from "../server/context.ts";

/** The registry's service types (the seed used 1 for image generation). */
export const serviceTypeOfKind = { text: 0, image: 1, audio: 2 } as const;

export type LoadedOffering = Omit<ServedOffering, "providerId"> & { providerId: bigint };

export async function loadOfferings(
  offerings: OfferingConfig[],
  o: { root: string; env: Record<string, string | undefined>; log: PluginContext["log"] },
): Promise<LoadedOffering[]> {
  const seen = new Set<string>();
  const out: LoadedOffering[] = [];
  for (const cfg of offerings) {
    if (seen.has(cfg.model)) throw new ClawError("CONFIG_INVALID", { message: `Two offerings serve model "${cfg.model}"; models must be unique per runtime.` });
    seen.add(cfg.model);
    const plugin = await loadPlugin(cfg.backend, { root: o.root });
    const backend = await createBackend(plugin, cfg.options, { env: o.env, log: o.log });
    out.push({
      model: cfg.model,
      providerId: 0n,
      pricePerSecond: cfg.pricePerSecond,
      serviceType: cfg.serviceType ?? serviceTypeOfKind[plugin.kind],
      maxJobMs: Math.round(cfg.maxJobSeconds * 1000),
      kind: plugin.kind,
      tasks: plugin.tasks ?? [],
      plugin: plugin.name,
      backend,
      queue: createOfferingQueue({ model: cfg.model, concurrency: cfg.concurrency, maxQueue: cfg.maxQueue }),
    });
  }
  return out;
}
