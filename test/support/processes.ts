/**
 * Child processes for tests that drive real programs (`claw`, OpenClaw): one runner collecting
 * stdout/stderr, and the OpenClaw install the agent tests share.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export type ProcessResult = { code: number; stdout: string; stderr: string };

/**
 * Runs `cmd args` to its end; `input` (if any) is written to its stdin, which is then closed.
 * With `timeoutMs`, the process and everything it started (its process group) is killed at that
 * time and the result says so (code -1, `timedOut`): a hung child never outlives its test.
 * @example
 * const r = await runProcess("node", ["-v"], { env: process.env, cwd: "/tmp", timeoutMs: 60_000 });
 */
export function runProcess(
  cmd: string, args: string[], o: { env: NodeJS.ProcessEnv; cwd: string; input?: string; timeoutMs?: number },
): Promise<ProcessResult & { timedOut?: boolean }> {
  return new Promise((done, fail) => {
    // Its own process group (detached), so that a timeout can kill its children (anvil, servers) too.
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, detached: o.timeoutMs !== undefined, stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, "SIGKILL"); } catch { child.kill("SIGKILL"); }
    }, o.timeoutMs);
    child.stdout?.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr, ...(timedOut ? { timedOut } : {}) });
    });
    if (o.input !== undefined) child.stdin?.end(o.input);
  });
}

/** Where openclaw-skill/setup-openclaw.sh installs OpenClaw (and its Node 24) under `root`. */
export function openclawTools(root: string): { bin: string; openclaw: string } {
  const bin = join(root, ".claw/tools/openclaw/node_modules/.bin");
  return { bin, openclaw: join(bin, "openclaw") };
}

/** Installs OpenClaw with the skill's setup script unless it is there already (CI installs it first). */
export function ensureOpenClaw(root: string): { bin: string; openclaw: string } {
  const tools = openclawTools(root);
  if (!existsSync(tools.openclaw)) {
    const setup = spawnSync("bash", [join(root, "openclaw-skill/setup-openclaw.sh")], { cwd: root, stdio: "inherit", timeout: 480_000 });
    assert.equal(setup.status, 0, "openclaw-skill/setup-openclaw.sh failed");
  }
  return tools;
}
