/**
 * Node module resolve hook for loading a claw.config.ts (registered by config/load.ts, one instance
 * per load, with `data: { file }`). Plain JavaScript: it runs on Node's loader thread.
 *
 * - The config and the local TypeScript files it imports (.ts, .mts, .tsx outside node_modules) are
 *   ES modules whatever the enclosing package says: a config in a folder with no package.json
 *   (CommonJS by default) loads like one in a "type": "module" package, with `export default`,
 *   `import.meta` and top-level await.
 * - `clawcompute` / `clawcompute/config` imported by those files and not installed beside them (or
 *   installed without that subpath: the consumer SDK) resolve to the package running the CLI, so a
 *   config in a fresh folder needs nothing installed. Any other package must be installed.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

const self = new URL("../package.json", import.meta.url).href;
/** Paths of the config file and of the local TypeScript files it imports. */
let forced = new Set();

const pathOf = (url) => (typeof url === "string" && url.startsWith("file:") ? fileURLToPath(url.replace(/[?#].*$/, "")) : undefined);
const typeScript = (path) => path !== undefined && !/[\\/]node_modules[\\/]/.test(path) && /\.(m?ts|tsx)$/.test(path);

/** `data.file`: the config's absolute path (also kept as its real path: Node resolves symlinks). */
export function initialize(data) {
  forced = new Set([data.file]);
  try {
    forced.add(realpathSync(data.file));
  } catch {
    // missing: the import reports it
  }
}

export async function resolve(specifier, context, next) {
  const fromConfig = forced.has(pathOf(context.parentURL));
  let resolved;
  try {
    resolved = await next(specifier, context);
  } catch (err) {
    // Not installed, or an install without that subpath (the consumer SDK package has no ./config).
    const missing = err?.code === "ERR_MODULE_NOT_FOUND" || err?.code === "ERR_PACKAGE_PATH_NOT_EXPORTED";
    if (fromConfig && missing && /^clawcompute(\/|$)/.test(specifier)) {
      return next(specifier, { ...context, parentURL: self });
    }
    throw err;
  }
  const path = pathOf(resolved.url);
  if (!typeScript(path) || !(forced.has(path) || fromConfig)) return resolved;
  forced.add(path);
  return { ...resolved, format: "module" };
}
