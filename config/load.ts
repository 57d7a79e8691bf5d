import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ClawError } from "../runtime/core/errors.ts";
import { applyEnvOverrides } from "./env.ts";
import { configSchema, type ClawConfig, type ClawConfigInput } from "./schema.ts";

/**
 * Validates a config object (after the seed's env overrides) and fills the defaults.
 * Throws CONFIG_INVALID naming every bad field path and what is expected.
 *
 * @example
 * const config = parseConfig({ offerings: [{ model: "m", backend: "echo", pricePerSecond: "10" }] }, {});
 */
export function parseConfig(input: ClawConfigInput, env: Record<string, string | undefined> = {}): ClawConfig {
  const result = configSchema.safeParse(applyEnvOverrides(input, env));
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
  throw new ClawError("CONFIG_INVALID", {
    message: `Invalid configuration: ${problems.join("; ")}`,
    details: { problems },
  });
}

/**
 * Imports claw.config.ts (or `file`) and validates it. Without a file and with MODEL_NAME set, the
 * seed's env vars alone make a valid one-offering config.
 *
 * @example
 * const config = await loadConfig({ file: "claw.config.ts", env: process.env });
 */
export async function loadConfig(opts: { file?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<ClawConfig> {
  const env = opts.env ?? {};
  const file = resolve(opts.cwd ?? ".", opts.file ?? "claw.config.ts");
  let input: ClawConfigInput = { offerings: [] };
  if (existsSync(file)) {
    try {
      const mod = (await import(pathToFileURL(file).href)) as { default?: ClawConfigInput };
      if (!mod.default) throw new Error("it has no default export (export default defineConfig({...}))");
      input = mod.default;
    } catch (cause) {
      throw new ClawError("CONFIG_INVALID", { message: `Cannot load ${file}: ${(cause as Error).message}`, cause });
    }
  } else if (opts.file) {
    throw new ClawError("CONFIG_INVALID", { message: `Config file ${file} does not exist.` });
  }
  return parseConfig(input, env);
}
