import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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
 * The default export of a config file, whatever package the file sits in. Under Deno a .ts file is
 * always an ES module, so it is imported directly. Under Node, a plain `import()` through the
 * ESM-only tsx loader the CLI registers fails with "require() … in a cycle" for a file outside an
 * ES-module package (no package.json with "type": "module" up the tree: tsx then takes it for
 * CommonJS). So the file is imported through a tsx namespace of its own (tsx's `register({ namespace })`,
 * unregistered after), below which ./esm-hooks.mjs makes the config and the local .ts files it
 * imports ES modules, and lets `clawcompute/config` resolve to this package when it is not installed
 * beside the config. A fresh namespace each call: the file as it is now. A CommonJS config (.cts,
 * .cjs) compiled from `export default` arrives as `{ __esModule, default }` and is unwrapped.
 */
async function importConfig(file: string): Promise<ClawConfigInput | undefined> {
  const url = pathToFileURL(file).href;
  let exported: unknown;
  if (typeof process !== "undefined" && process.versions?.deno !== undefined) {
    exported = ((await import(url)) as { default?: unknown }).default;
  } else {
    const [{ register: registerHooks }, { register: registerTsx }] = await Promise.all([import("node:module"), import("tsx/esm/api")]);
    // Node has no way to remove a hook: one small instance stays per load (a process loads its config once or twice).
    registerHooks(new URL("./esm-hooks.mjs", import.meta.url), { data: { file } });
    const tsx = registerTsx({ namespace: `claw-config-${randomUUID()}` });
    try {
      exported = ((await tsx.import(url, import.meta.url)) as { default?: unknown }).default;
    } finally {
      await tsx.unregister();
    }
  }
  const cjs = exported as { __esModule?: unknown; default?: ClawConfigInput } | undefined;
  return cjs?.__esModule === true ? cjs.default : (exported as ClawConfigInput | undefined);
}

/**
 * The loader's message on one line, without tsx's internal `?namespace=` query or the CommonJS
 * require stack, plus a way out when the config imports the package from a folder it is not installed in.
 */
function describeLoadError(cause: unknown, file: string): string {
  const raw = cause instanceof Error ? cause.message : String(cause);
  const message = raw.split(/\n\s*Require stack:/)[0]!.replace(/\?(tsx-)?namespace=[\w-]+/g, "").replace(/\s*\n\s*/g, " ").trim();
  // Node: "Cannot find module 'clawcompute/config'"; Deno (no resolve hooks there): 'Import "clawcompute/config" not a dependency'.
  if (!/(Cannot find (package|module) |Import )['"]clawcompute[/'"]/.test(message)) return message;
  const here = fileURLToPath(new URL("./index.ts", import.meta.url));
  return `${message} (the clawcompute package is not installed in ${dirname(file)} or above: install it there, import defineConfig from "${here}", or export a plain object)`;
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
      const config = await importConfig(file);
      if (!config) throw new Error("it has no default export (export default defineConfig({...}))");
      input = config;
    } catch (cause) {
      throw new ClawError("CONFIG_INVALID", { message: `Cannot load ${file}: ${describeLoadError(cause, file)}`, cause });
    }
  } else if (opts.file) {
    throw new ClawError("CONFIG_INVALID", { message: `Config file ${file} does not exist.` });
  }
  return parseConfig(input, env);
}
