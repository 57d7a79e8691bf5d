/**
 * Deno entry point: the same `claw` command line as on Node (runtime/cli/main.ts), run by Deno 2.
 * This file and the store drivers are the only runtime-specific code (docs/deno.md has the rule and
 * the check that keeps it). Under Deno the store's "auto" driver picks node:sqlite, because
 * better-sqlite3 is a native addon Deno cannot load.
 *
 * Run it from the repository root, where deno.json makes Deno use the root node_modules (no
 * downloads at run time):
 *   deno task start                    # `claw dev`: local chain, contracts, provider (like npm start)
 *   deno task provider                 # `claw start`: the provider against the configured chain
 *   deno task claw audit --db .claw/events.db
 */
import { main } from "../cli/main.ts";

/** The slice of the Deno namespace this file uses (tsc here is set up with Node's types only). */
declare const Deno: { args: string[]; exit(code: number): never; version: { deno: string } };

/** Deno 2 is the first with the Node compatibility (process global, node:sqlite, npm packages) we rely on. */
export const MIN_DENO_MAJOR = 2;

/**
 * Refuses Deno 1 with a sentence saying what to do, before anything else runs.
 * @example
 * denoVersionProblem("1.46.3") // "ClawCompute needs Deno 2 or newer; this is Deno 1.46.3. ..."
 * denoVersionProblem("2.9.6")  // undefined
 */
export function denoVersionProblem(version: string): string | undefined {
  const major = Number(version.split(".")[0]);
  if (Number.isInteger(major) && major >= MIN_DENO_MAJOR) return undefined;
  return `ClawCompute needs Deno ${MIN_DENO_MAJOR} or newer; this is Deno ${version}. Run \`npm install\` (it brings Deno 2 as node_modules/.bin/deno) or upgrade Deno.`;
}

// import.meta.main: true when this file is the program (Deno; Node >= 24.2), not when imported by a test.
if ((import.meta as ImportMeta & { main?: boolean }).main) {
  if (typeof Deno === "undefined") {
    process.stderr.write("runtime/entry/deno.ts is the Deno entry point; on Node run `npx claw` (runtime/cli/bin.mjs).\n");
    process.exit(2);
  }
  const problem = denoVersionProblem(Deno.version.deno);
  if (problem) {
    process.stderr.write(`claw: ${problem}\n`);
    Deno.exit(3);
  }
  Deno.exit(await main(Deno.args));
}
