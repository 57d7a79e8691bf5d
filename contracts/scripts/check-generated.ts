/**
 * Fails when contracts/generated/ differs from what a fresh build produces: builds (forced) into
 * a scratch folder via CLAW_GENERATED_DIR and compares every file byte for byte.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const committed = resolve(root, "generated");
const scratch = mkdtempSync(join(tmpdir(), "claw-generated-"));

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}

try {
  const env = { ...process.env, CLAW_GENERATED_DIR: scratch };
  const hardhat = resolve(root, "node_modules/.bin/hardhat");
  execFileSync(hardhat, ["build", "--force", "--quiet"], { cwd: root, env, stdio: "inherit" });
  execFileSync(process.execPath, [resolve(root, "scripts/generate-abi.ts")], { cwd: root, env, stdio: "ignore" });
  const fresh = files(scratch);
  const current = files(committed);
  const stale = [...new Set([...fresh.keys(), ...current.keys()])]
    .filter((f) => fresh.get(f) !== current.get(f))
    .sort();
  if (stale.length > 0) {
    console.error(`contracts/generated is stale (${stale.length} file(s) differ): ${stale.join(", ")}`);
    console.error("Run `npm run build` in contracts/ and commit contracts/generated.");
    process.exitCode = 1;
  } else {
    console.log(`contracts/generated is up to date (${fresh.size} files).`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
