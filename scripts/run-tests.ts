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
import { spawnSync } from "node:child_process";
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

function run(label: string, cmd: string, argv: string[], cwd = root): boolean {
  console.log(`\n=== ${label}: ${cmd} ${argv.join(" ")}`);
  const res = spawnSync(cmd, argv, { cwd, stdio: "inherit", env: process.env });
  return res.status === 0;
}

const results: Array<[string, boolean]> = [];
if (!only || only === "contracts") {
  results.push(["contracts", run("contracts", "npm", ["test"], resolve(root, "contracts"))]);
}
if (!only || only === "node") {
  const files = roots.flatMap((d) => findTests(resolve(root, d))).sort();
  const concurrency = process.env.CLAW_TEST_CONCURRENCY ?? "2";
  results.push([
    "node",
    run("node tests", process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...passThrough, ...files]),
  ]);
}
const node24 = resolve(root, "contracts/node_modules/.bin/node");
const node24Suite = resolve(root, "scripts/node24-tests.ts");
if ((!only || only === "node24") && existsSync(node24Suite)) {
  if (!existsSync(node24)) {
    console.error("node24 suite: contracts/node_modules/.bin/node is missing (run npm install at the root)");
    results.push(["node24", false]);
  } else results.push(["node24", run("node24 tests", node24, ["--import", "tsx", node24Suite])]);
}

if (!only || only === "typecheck") {
  const tsc = resolve(root, "node_modules/typescript/bin/tsc");
  // The dashboard has its own tsconfig (DOM, JSX) and imports the SDK and chain layer: checked too.
  const runtimeTypes = run("typecheck", process.execPath, [tsc, "-p", "tsconfig.json"]);
  const dashboardTypes = run("typecheck dashboard", process.execPath, [tsc, "-p", "dashboard/tsconfig.json", "--noEmit"]);
  results.push(["typecheck", runtimeTypes && dashboardTypes]);
}

if (!only || only === "mutants") {
  results.push(["mutants", run("mutants", "npm", ["run", "mutants"], resolve(root, "contracts"))]);
}

console.log("\n=== summary");
for (const [name, ok] of results) console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
