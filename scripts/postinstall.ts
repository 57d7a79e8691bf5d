/**
 * Runs after `npm install` at the root so that a fresh clone needs nothing else:
 * installs contracts/ (its own package, on the Node 24 shim that Hardhat 3 needs) and compiles it,
 * then installs dashboard/ (its own package, on the system Node) and builds it into dashboard/dist,
 * which the runtime serves at `/`. Then compiles the `claw` dispatcher (dist/cli) and the consumer SDK
 * package (packages/clawcompute/dist), each only when its sources changed.
 * Set CLAW_SKIP_CONTRACTS=1 or CLAW_SKIP_DASHBOARD=1 to skip a part (e.g. when it is already built).
 */
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { stamp, upToDate } from "./build-stamp.ts";

const root = resolve(import.meta.dirname, "..");
const contracts = resolve(root, "contracts");

function run(cmd: string, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  console.log(`[postinstall] ${cwd === root ? "" : `${cwd.slice(root.length + 1)}$ `}${cmd}`);
  execSync(cmd, { cwd, stdio: "inherit", env });
}

if (process.env.CLAW_SKIP_CONTRACTS === "1") {
  console.log("[postinstall] CLAW_SKIP_CONTRACTS=1: leaving contracts/ as it is");
} else if (upToDate(contracts, ["node_modules/.bin/hardhat", "artifacts"]) && process.env.CLAW_FORCE_BUILD !== "1") {
  console.log("[postinstall] contracts/ is installed and built from these sources (CLAW_FORCE_BUILD=1 rebuilds)");
} else if (existsSync(resolve(contracts, "package.json"))) {
  // First pass runs on the system Node and brings the `node@24` shim into contracts/node_modules/.bin.
  run("npm install --no-audit --no-fund", contracts);
  // Second pass runs npm on that Node 24 so that EDR's platform package (engines >= 22) is installed.
  const shimPath = `${resolve(contracts, "node_modules/.bin")}:${process.env.PATH ?? ""}`;
  run("npm install --no-audit --no-fund", contracts, { ...process.env, PATH: shimPath });
  run("npm run build", contracts, { ...process.env, PATH: shimPath });
  stamp(contracts);
}

const dashboard = resolve(root, "dashboard");
if (process.env.CLAW_SKIP_DASHBOARD === "1") {
  console.log("[postinstall] CLAW_SKIP_DASHBOARD=1: leaving dashboard/ as it is");
} else if (upToDate(dashboard, ["dist/index.html"]) && process.env.CLAW_FORCE_BUILD !== "1") {
  console.log("[postinstall] dashboard/ is installed and built from these sources (CLAW_FORCE_BUILD=1 rebuilds)");
} else if (existsSync(resolve(dashboard, "package.json"))) {
  run("npm install --no-audit --no-fund", dashboard);
  run("npm run build", dashboard);
  stamp(dashboard);
}

// The compiled `claw` dispatcher (fast --help) and the SDK package. A failed SDK build (a type error in
// runtime/client's graph) does not fail the install: the repo runs from sources; packing needs the build.
const { buildCli, cliUpToDate } = await import("./build-cli.ts");
if (cliUpToDate() && process.env.CLAW_FORCE_BUILD !== "1") console.log("[postinstall] dist/cli is built from these sources");
else console.log(`[postinstall] compiled the claw dispatcher: ${await buildCli()}`);
const { buildSdk } = await import("./build-sdk.ts");
try {
  console.log(`[postinstall] consumer SDK (packages/clawcompute): ${buildSdk({ force: process.env.CLAW_FORCE_BUILD === "1" })}`);
} catch (err) {
  console.warn(`[postinstall] the consumer SDK did not build (${err instanceof Error ? err.message.split("\n")[0] : String(err)}); run \`npx tsx scripts/build-sdk.ts\` after fixing it`);
}
