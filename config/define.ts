import type { ClawConfigInput } from "./schema.ts";

/**
 * Typed identity for claw.config.ts: gives the editor the full shape; validation happens at load.
 *
 * @example
 * export default defineConfig({
 *   offerings: [{ model: "echo-1", backend: "echo", pricePerSecond: 1_000_000_000_000n }],
 * });
 */
export function defineConfig(config: ClawConfigInput): ClawConfigInput {
  return config;
}
