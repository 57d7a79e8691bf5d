/**
 * Builds the consumer SDK package (packages/clawcompute): `tsc -p tsconfig.build.json` emits ESM and
 * .d.ts for runtime/client/index.ts and everything it imports into packages/clawcompute/dist.
 * Skipped when the inputs hash (sources, build config, package.json) matches the stamp in dist/.
 *
 * @example
 * npx tsx scripts/build-sdk.ts          # build if changed; CLAW_FORCE_BUILD=1 always
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { inputsHash } from "./build-stamp.ts";

const root = resolve(import.meta.dirname, "..");
export const sdkDir = resolve(root, "packages/clawcompute");
const dist = resolve(sdkDir, "dist");
const stampFile = resolve(dist, ".claw-build-stamp");
const inputDirs = ["runtime/client", "runtime/core", "runtime/chain", "contracts/generated"];
const inputFiles = ["tsconfig.json", "tsconfig.build.json", "packages/clawcompute/package.json"];

function hash(): string {
  const h = createHash("sha256");
  for (const d of inputDirs) if (existsSync(resolve(root, d))) h.update(d).update(inputsHash(resolve(root, d)));
  for (const f of inputFiles) h.update(f).update(readFileSync(resolve(root, f)));
  return h.digest("hex");
}

export function sdkUpToDate(): boolean {
  return existsSync(stampFile) && existsSync(resolve(dist, "runtime/client/index.js")) && readFileSync(stampFile, "utf8") === hash();
}

/** Builds unless up to date; returns what it did. Throws when tsc fails (type errors in the SDK's graph). */
export function buildSdk(o: { force?: boolean } = {}): "built" | "up-to-date" {
  if (!o.force && sdkUpToDate()) return "up-to-date";
  rmSync(dist, { recursive: true, force: true });
  const tsc = resolve(root, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", resolve(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
  mkdirSync(dist, { recursive: true });
  writeFileSync(stampFile, hash());
  return "built";
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`[build-sdk] ${buildSdk({ force: process.env.CLAW_FORCE_BUILD === "1" })}: ${dist}`);
}
