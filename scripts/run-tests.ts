/**
 * `npm test`: every suite in one command.
 *  1. contracts/ — Hardhat 3 Solidity tests (unit, fuzz, invariant; CI profile) + stale-bindings check
 *  2. node      — every `*.test.ts` beside the code and in test/, on node's own test runner
 *  3. node24    — suites that need Node >= 22.5 (node:sqlite store driver), run on contracts' Node 24 shim
 *  4. typecheck — `tsc -p tsconfig.json` and the dashboard's tsconfig: types are a gate (tsx strips types without checking them, so a
 *                 type error would otherwise pass every other step)
 *  5. mutants   — `npm run test:mutants`: each named contract mutant (contracts/scripts/mutants.ts) must
 *                 make the Solidity suite fail (~1-2 min: compiled without the optimizer)
 * Flags: `--only contracts|node|node24|typecheck|mutants` to run one part; extra args after `--` go to node --test.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const dashDash = args.indexOf("--");
const passThrough = dashDash >= 0 ? args.slice(dashDash + 1) : [];
const roots = ["runtime", "plugins", "config", "test", "openclaw-skill", "bench"];
const skipDirs = new Set(["node_modules", "dist", "generated", ".git"]);

function findTests(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, full));
  }
  return out;
}

/**
 * Runs one part in its own process group and waits for it. A part still running after `minutes`
 * is killed with everything it started (servers, anvil, load generators), so a hang ends as a
 * failure with its name, not as a CI run that never reports.
 */
async function run(label: string, cmd: string, argv: string[], minutes: number, cwd = root): Promise<boolean> {
  console.log(`\n=== ${label}: ${cmd} ${argv.join(" ")}`);
  const started = Date.now();
  const child = spawn(cmd, argv, { cwd, stdio: "inherit", env: process.env, detached: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(`\n=== ${label}: still running after ${minutes} min; killed`);
    try { process.kill(-child.pid!, "SIGKILL"); } catch { child.kill("SIGKILL"); }
  }, minutes * 60_000);
  const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
  clearTimeout(timer);
  // Whatever the part left running in its group (a child a test forgot) goes now.
  try { process.kill(-child.pid!, "SIGKILL"); } catch { /* group already gone */ }
  console.log(`=== ${label}: ${timedOut ? "timed out" : code === 0 ? "ok" : `exit ${code}`} in ${Math.round((Date.now() - started) / 1000)} s`);
  reportVanished(label);
  return code === 0 && !timedOut;
}

/** A part must never delete tracked files: name any that are gone after it ran. */
function reportVanished(label: string): void {
  const r = spawnSync("git", ["ls-files", "--deleted"], { cwd: root, encoding: "utf8" });
  const gone = r.status === 0 ? r.stdout.trim() : "";
  if (gone) console.error(`=== ${label}: tracked files missing after this part:\n${gone.split("\n").slice(0, 50).join("\n")}`);
}

const results: Array<[string, boolean]> = [];
if (!only || only === "contracts") {
  results.push(["contracts", await run("contracts", "npm", ["test"], 10, resolve(root, "contracts"))]);
}
if (!only || only === "node") {
  const files = roots.flatMap((d) => findTests(resolve(root, d))).sort();
  const concurrency = process.env.CLAW_TEST_CONCURRENCY ?? "2";
  results.push([
    "node",
    // --test-timeout: the default for tests that set none; a hung test fails instead of holding the run.
    await run("node tests", process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=300000", ...passThrough, ...files], 30),
  ]);
}
const node24 = resolve(root, "contracts/node_modules/.bin/node");
const node24Suite = resolve(root, "scripts/node24-tests.ts");
if ((!only || only === "node24") && existsSync(node24Suite)) {
  if (!existsSync(node24)) {
    console.error("node24 suite: contracts/node_modules/.bin/node is missing (run npm install at the root)");
    results.push(["node24", false]);
  } else results.push(["node24", await run("node24 tests", node24, ["--import", "tsx", node24Suite], 8)]);
}

if (!only || only === "typecheck") {
  const tsc = resolve(root, "node_modules/typescript/bin/tsc");
  // The dashboard has its own tsconfig (DOM, JSX) and imports the SDK and chain layer: checked too.
  const runtimeTypes = await run("typecheck", process.execPath, [tsc, "-p", "tsconfig.json"], 8);
  const dashboardTypes = await run("typecheck dashboard", process.execPath, [tsc, "-p", "dashboard/tsconfig.json", "--noEmit"], 5);
  results.push(["typecheck", runtimeTypes && dashboardTypes]);
}

if (!only || only === "mutants") {
  results.push(["mutants", await run("mutants", "npm", ["run", "mutants"], 10, resolve(root, "contracts"))]);
}

console.log("\n=== summary");
for (const [name, ok] of results) console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
