export { defineConfig } from "./define.ts";
export { loadConfig, parseConfig } from "./load.ts";
export { chainPresets, type ChainPresetName } from "./presets.ts";
export type { ClawConfig, ClawConfigInput, OfferingConfig } from "./schema.ts";
