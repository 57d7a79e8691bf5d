/**
 * A small real filesystem for "disk full" and "read-only" tests: a tmpfs mounted in a temp folder.
 * Needs root on Linux (CI runs as root here); elsewhere it returns the reason to skip.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Tmpfs = { dir: string; remountReadOnly(): void; unmount(): void };

/**
 * @example
 * const fs = mountTmpfs(256); if (typeof fs === "string") t.skip(fs); else { ...; fs.unmount(); }
 */
export function mountTmpfs(sizeKb: number): Tmpfs | string {
  if (process.platform !== "linux") return "tmpfs tests need Linux";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  const dir = mkdtempSync(join(tmpdir(), "claw-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKb}k`, "tmpfs", dir], { stdio: "pipe" });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here: ${(err as Error).message.split("\n")[0]}`;
  }
  return {
    dir,
    remountReadOnly: () => void execFileSync("mount", ["-o", "remount,ro", dir], { stdio: "pipe" }),
    unmount() {
      try { execFileSync("umount", [dir], { stdio: "pipe" }); } finally { rmSync(dir, { recursive: true, force: true }); }
    },
  };
}
