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
 * always an ES module, so it is imported directly. Under Node it goes through tsx's `tsImport`
 * (its own loader, ES module and CommonJS hooks both, scoped to this import): a plain
 * `import()` through the ESM-only loader the CLI registers fails with "require() … in a cycle" for a
 * file outside an ES-module package (no package.json with "type": "module" up the tree). There tsx
 * compiles the file to CommonJS, so its `export default` arrives as `{ __esModule, default }` and is
 * unwrapped here. A fresh import each call: the file as it is now.
 */
async function importConfig(file: string): Promise<ClawConfigInput | undefined> {
  const url = pathToFileURL(file).href;
  if (typeof process !== "undefined" && process.versions?.deno !== undefined) {
    return ((await import(url)) as { default?: ClawConfigInput }).default;
  }
  const { tsImport } = await import("tsx/esm/api");
  const exported = ((await tsImport(url, import.meta.url)) as { default?: unknown }).default;
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
  if (/not supported with the "cjs" output format/.test(message)) {
    return `${message} (outside an ES-module package a .ts file is compiled as CommonJS: rename it claw.config.mts, or put a package.json with "type": "module" beside it)`;
  }
  if (!/Cannot find (package|module) ['"]clawcompute[/'"]/.test(message)) return message;
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
