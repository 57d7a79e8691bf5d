/**
 * A part (contracts/, dashboard/) is rebuilt by the postinstall only when its inputs changed: the
 * hash of its package files and sources is kept in `<part>/node_modules/.claw-build-stamp`.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const skip = new Set(["node_modules", "artifacts", "cache", "dist", "generated", ".git"]);

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (skip.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) files(full, out);
    else out.push(full);
  }
  return out;
}

export function inputsHash(dir: string): string {
  const h = createHash("sha256");
  for (const f of files(dir)) h.update(f.slice(dir.length)).update("\0").update(readFileSync(f));
  return h.digest("hex");
}

const stampFile = (dir: string) => join(dir, "node_modules", ".claw-build-stamp");

/** True when the part was built from exactly these inputs and its outputs still exist. */
export function upToDate(dir: string, outputs: string[]): boolean {
  const f = stampFile(dir);
  return existsSync(f) && outputs.every((o) => existsSync(join(dir, o))) && readFileSync(f, "utf8") === inputsHash(dir);
}

export function stamp(dir: string): void {
  writeFileSync(stampFile(dir), inputsHash(dir));
}
