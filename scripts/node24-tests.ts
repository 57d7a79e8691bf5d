/**
 * The suites that need Node >= 22.5: the event store on the node:sqlite driver (the driver Deno
 * uses). Run by `npm test` (scripts/run-tests.ts) on contracts/' Node 24 shim:
 *   contracts/node_modules/.bin/node --import tsx scripts/node24-tests.ts
 * or alone: `npm test -- --only node24`. better-sqlite3 is built for the system Node and is not
 * loaded here; the same test files run it on Node 20.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
if (major < 22 || (major === 22 && minor < 5)) {
  console.error(`node24 suite: needs Node >= 22.5, this is ${process.version}`);
  process.exit(1);
}

function testsIn(dir: string, match: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => match(f) && !f.includes("node_modules"))
    .map((f) => relative(root, join(dir, f)));
}

const files = [
  ...testsIn(resolve(root, "runtime/store"), (f) => f.endsWith(".test.ts")),
  // The cross-part store tests that touch the driver (the chain audit is driver-independent and runs on Node 20).
  ...testsIn(resolve(root, "test"), (f) => /^store-(crash|cli)\.test\.ts$/.test(f)),
].sort();
console.log(`node24 suite on ${process.version}: ${files.join(" ")}`);
const res = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, CLAW_STORE_DRIVERS: "node:sqlite", CLAW_STORE_REQUIRE_DRIVERS: "1", NODE_NO_WARNINGS: "1" },
});
process.exit(res.status ?? 1);
