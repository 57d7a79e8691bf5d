/**
 * Finding, loading and starting backend plugins. A spec in claw.config.ts is one of:
 *   - a folder name in plugins/ ("echo", or any folder dropped there with an index.ts),
 *   - a file or folder path, relative to the project root ("./my-plugin/index.ts"),
 *   - an npm package name installed under the project root ("claw-plugin-foo", "@me/claw-bar").
 * Anything wrong stops startup with a ClawError naming the plugin and the reason.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolve as resolveModule } from "import-meta-resolve";
import { ClawError } from "../runtime/core/errors.ts";
import { guardBackend } from "./lib/guard.ts";
import { noCapabilities } from "./lib/capabilities.ts";
import { defaultTasks } from "./sdk.ts";
import type { Backend, PluginContext, PluginDefinition } from "./types.ts";

export interface LoadOptions {
  /** The project root (where claw.config.ts is): paths and npm packages resolve from here. */
  root: string;
  /** Where folder plugins live; default `<root>/plugins`. */
  pluginsDir?: string;
}

export interface PluginSource {
  kind: "folder" | "file" | "package";
  url: string;
}

const indexNames = ["index.ts", "index.js", "index.mjs"];
const simpleName = /^[a-z0-9][a-z0-9._-]*$/i;

function isPathSpec(spec: string): boolean {
  return spec.startsWith(".") || spec.startsWith("file:") || isAbsolute(spec);
}

function notFound(spec: string, reason: string): ClawError {
  return new ClawError("PLUGIN_NOT_FOUND", { message: `Plugin "${spec}" was not found: ${reason}`, details: { plugin: spec } });
}

function indexOf(dir: string): string | undefined {
  return indexNames.map((n) => join(dir, n)).find((p) => existsSync(p));
}

/**
 * Where a spec points, without loading it.
 *
 * @example resolvePluginSpec("echo", { root: process.cwd() }).kind // "folder"
 */
export function resolvePluginSpec(spec: string, opts: LoadOptions): PluginSource {
  const pluginsDir = opts.pluginsDir ?? join(opts.root, "plugins");
  if (isPathSpec(spec)) {
    const path = spec.startsWith("file:") ? fileURLToPath(spec) : resolve(opts.root, spec);
    if (!existsSync(path)) throw notFound(spec, `no file or folder at ${path}.`);
    const file = statSync(path).isDirectory() ? indexOf(path) : path;
    if (!file) throw notFound(spec, `the folder ${path} has no ${indexNames.join(" / ")}.`);
    return { kind: "file", url: pathToFileURL(file).href };
  }
  const folder = join(pluginsDir, spec);
  if (simpleName.test(spec) && existsSync(folder) && statSync(folder).isDirectory()) {
    const file = indexOf(folder);
    if (!file) throw notFound(spec, `the folder ${folder} has no ${indexNames.join(" / ")}.`);
    return { kind: "folder", url: pathToFileURL(file).href };
  }
  try {
    return { kind: "package", url: resolveModule(spec, pathToFileURL(join(opts.root, "package.json")).href) };
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw notFound(spec, `it is not a folder in ${pluginsDir}, a path, nor an npm package installed under ${opts.root} (${why}).`);
  }
}

/** Why `value` is not a plugin definition, or undefined when it is one. */
function shapeProblem(value: unknown): string | undefined {
  if (!value || typeof value !== "object") return "the default export is missing or not an object";
  const p = value as Record<string, unknown>;
  if (typeof p.name !== "string" || p.name === "") return "it has no name";
  if (typeof p.kind !== "string" || !(p.kind in defaultTasks)) return `its kind ${JSON.stringify(p.kind)} is not text, image or audio`;
  if (!p.options || typeof (p.options as { safeParse?: unknown }).safeParse !== "function") return "its options are not a zod schema";
  if (typeof p.create !== "function") return "it has no create function";
  return undefined;
}

/**
 * Loads a plugin module and checks its default export.
 *
 * @example const echo = await loadPlugin("echo", { root: process.cwd() });
 */
export async function loadPlugin(spec: string, opts: LoadOptions): Promise<PluginDefinition> {
  const source = resolvePluginSpec(spec, opts);
  let mod: { default?: unknown };
  try {
    mod = (await import(source.url)) as { default?: unknown };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ClawError("PLUGIN_LOAD_FAILED", {
      message: `Plugin "${spec}" failed to load (${source.url}): ${why}`,
      details: { plugin: spec, source: source.url },
      cause: err,
    });
  }
  const problem = shapeProblem(mod.default);
  if (problem) {
    throw new ClawError("PLUGIN_LOAD_FAILED", {
      message: `Plugin "${spec}" has no valid default export: ${problem}. A plugin module must \`export default definePlugin({ ... })\`.`,
      details: { plugin: spec, source: source.url },
    });
  }
  const def = mod.default as PluginDefinition;
  return Object.freeze({ ...def, tasks: def.tasks ?? defaultTasks[def.kind], description: def.description ?? "", capabilities: { ...noCapabilities, ...def.capabilities } });
}

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };

function defaultEnv(): Record<string, string | undefined> {
  return (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
}

/**
 * Validates `rawOptions` with the plugin's schema and starts its backend (wrapped by guardBackend).
 *
 * @example const backend = await createBackend(echo, { tokensPerSecond: 0 });
 */
export async function createBackend(plugin: PluginDefinition, rawOptions: unknown, ctx: Partial<PluginContext> = {}): Promise<Backend> {
  const parsed = plugin.options.safeParse(rawOptions ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(options)", message: i.message }));
    throw new ClawError("PLUGIN_OPTIONS_INVALID", {
      message: `Plugin "${plugin.name}" options are invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}.`,
      details: { plugin: plugin.name, issues },
    });
  }
  const fullCtx: PluginContext = { env: ctx.env ?? defaultEnv(), log: ctx.log ?? silentLog, fetch: ctx.fetch ?? globalThis.fetch };
  let backend: Backend;
  try {
    backend = await plugin.create(parsed.data, fullCtx);
  } catch (err) {
    if (err instanceof ClawError && err.code.startsWith("PLUGIN_")) throw err;
    throw new ClawError("PLUGIN_LOAD_FAILED", {
      message: `Plugin "${plugin.name}" could not start: ${err instanceof Error ? err.message : String(err)}`,
      details: { plugin: plugin.name },
      cause: err,
    });
  }
  for (const method of ["health", "models", "infer"] as const) {
    if (typeof backend?.[method] !== "function") {
      throw new ClawError("PLUGIN_LOAD_FAILED", { message: `Plugin "${plugin.name}": create() returned a backend without ${method}().`, details: { plugin: plugin.name } });
    }
  }
  return guardBackend(plugin, backend);
}

/**
 * Folder plugins present in the plugins folder (folders with an index file).
 *
 * @example listLocalPlugins({ root: process.cwd() }) // ["diffusion", "echo", "groq", ...]
 */
export function listLocalPlugins(opts: LoadOptions): string[] {
  const dir = opts.pluginsDir ?? join(opts.root, "plugins");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && simpleName.test(e.name) && indexOf(join(dir, e.name)) !== undefined)
    .map((e) => e.name)
    .sort();
}
