/**
 * Running this checkout under Deno from a Node test: the Deno binary from npm, the exact command
 * of a deno.json task, and a child process whose JSON log lines can be awaited. The environment is
 * minimal and offline: a fresh DENO_DIR (nothing cached) and an npm registry that does not answer,
 * so a run that tried to download anything would fail instead of passing by luck.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "../..");
/**
 * The Deno executable itself, not npm's launcher: node_modules/deno/deno once the package's
 * postinstall ran, else the platform package's binary (then .bin/deno is a Node wrapper, which
 * would keep our SIGTERM from reaching Deno).
 */
export const denoBinary = ((): string => {
  const linked = join(repoRoot, "node_modules", "deno", process.platform === "win32" ? "deno.exe" : "deno");
  if (existsSync(linked)) return linked;
  const scope = join(repoRoot, "node_modules", "@deno");
  const platform = existsSync(scope) ? readdirSync(scope).map((d) => join(scope, d, "deno")).find((f) => existsSync(f)) : undefined;
  return platform ?? join(repoRoot, "node_modules", ".bin", "deno");
})();

/** The argv of a deno.json task (`./node_modules/.bin/deno run … runtime/entry/deno.ts …`), binary made absolute. */
export function denoTaskArgv(task: string): string[] {
  const config = JSON.parse(readFileSync(join(repoRoot, "deno.json"), "utf8")) as { tasks: Record<string, { command: string }> };
  const command = config.tasks[task]?.command;
  if (!command) throw new Error(`deno.json has no task "${task}"`);
  const [bin, ...args] = command.trim().split(/\s+/);
  if (bin !== "./node_modules/.bin/deno") throw new Error(`deno.json task "${task}" does not start with ./node_modules/.bin/deno`);
  return args;
}

/** An offline environment for a Deno child: only what it needs, nothing inherited that could change the config. */
export function offlineDenoEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? tmpdir(),
    DENO_DIR: mkdtempSync(join(tmpdir(), "claw-deno-dir-")),
    DENO_NO_UPDATE_CHECK: "1",
    NPM_CONFIG_REGISTRY: "http://127.0.0.1:9/",
    NO_COLOR: "1",
    ...extra,
  };
}

export type LogLine = Record<string, unknown> & { msg?: string };

export type DenoChild = {
  child: ChildProcess;
  lines: LogLine[];
  stderr(): string;
  /** Resolves with the first JSON log line matching `match` (earlier lines included); rejects if Deno exits first. */
  waitFor(match: (line: LogLine) => boolean, ms: number, what: string): Promise<LogLine>;
  /** SIGTERM, then the exit code (SIGKILL after `ms`). */
  stop(ms?: number): Promise<number | null>;
};

/**
 * Spawns `deno <args>` in the repository root.
 * @example
 * const d = startDeno([...denoTaskArgv("provider"), "-c", file], offlineDenoEnv({ PRIVATE_KEY: key }));
 * const started = await d.waitFor((l) => l.msg === "provider runtime started", 30_000, "start");
 */
export function startDeno(args: string[], env: Record<string, string>): DenoChild {
  if (!existsSync(denoBinary)) throw new Error(`${denoBinary} is missing: run npm install (deno is a dev dependency)`);
  const child = spawn(denoBinary, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let err = "";
  let partial = "";
  let exited: number | null | undefined;
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  child.stdout?.on("data", (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const text of parts) {
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ text });
      }
    }
    for (const w of waiters) w();
  });
  const exit = new Promise<number | null>((done) => child.once("exit", (code) => {
    exited = code;
    for (const w of waiters) w();
    done(code);
  }));
  return {
    child,
    lines,
    stderr: () => err,
    waitFor(match, ms, what) {
      return new Promise((resolveLine, reject) => {
        const check = () => {
          const hit = lines.find(match);
          if (hit) return finish(() => resolveLine(hit));
          if (exited !== undefined) return finish(() => reject(new Error(`deno exited (${exited}) before ${what}; stderr: ${err.slice(-2000)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${what}; stderr: ${err.slice(-2000)}`))), ms);
        const finish = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(ms = 10_000) {
      if (exited !== undefined) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}
