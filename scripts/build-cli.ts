/**
 * Compiles the `claw` dispatcher (runtime/cli/main.ts with the command list and the error catalogue)
 * into dist/cli/main.js, one ESM file with packages left external. runtime/cli/bin.mjs runs it when it
 * is newer than its sources; the commands themselves load lazily from their sources.
 *
 * @example
 * npx tsx scripts/build-cli.ts
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { build } from "esbuild";

const root = resolve(import.meta.dirname, "..");
const outfile = resolve(root, "dist/cli/main.js");
/** What dist/cli/main.js is built from (bin.mjs checks the same list). */
const sources = ["runtime/cli/main.ts", "runtime/cli/commands/index.ts", "runtime/core/errors.ts"].map((f) => resolve(root, f));

export function cliUpToDate(): boolean {
  if (!existsSync(outfile)) return false;
  const built = statSync(outfile).mtimeMs;
  return sources.every((f) => statSync(f).mtimeMs <= built);
}

export async function buildCli(): Promise<string> {
  await build({
    entryPoints: [resolve(root, "runtime/cli/main.ts")],
    outfile, bundle: true, format: "esm", platform: "node", target: "node20", packages: "external", logLevel: "warning",
  });
  return outfile;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`[build-cli] wrote ${await buildCli()}`);
