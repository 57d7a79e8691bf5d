/**
 * The parent's handle on a provider runtime running in its own process (runtime-child.ts): spawn it,
 * wait until it serves, SIGKILL it at any moment, stop it gracefully, sample its memory. The child's
 * stderr (its pino log at the configured level) is appended to a file for post-mortems.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { RuntimePlan } from "./runtime-child.ts";

const childScript = resolve(import.meta.dirname, "runtime-child.ts");

export type RuntimeMemory = {
  rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; jobsInView: number;
  cpu: { user: number; system: number };
};

export type RuntimeProcess = {
  url: string;
  pid: number;
  offerings: Array<{ model: string; providerId: bigint }>;
  /** Resolves when the process has exited (any way). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (graceful shutdown), then waits; rejects if it does not exit 0 within `ms`. */
  stop(ms?: number): Promise<void>;
  /** Memory after a full GC in the child. */
  memory(): Promise<RuntimeMemory>;
};

export type SpawnOptions = {
  plan: RuntimePlan;
  planPath: string;
  logPath: string;
  /** Called the moment the child is spawned (before it is ready): lets a test kill it during startup. */
  onSpawn?: (child: ChildProcess) => void;
  timeoutMs?: number;
};

/**
 * @example
 * const rt = await spawnRuntime({ plan, planPath: "/tmp/x/plan.json", logPath: "/tmp/x/runtime.log" });
 * await fetch(`${rt.url}/health`); await rt.kill();
 */
export function spawnRuntime(o: SpawnOptions): Promise<RuntimeProcess> {
  // Amounts may be bigint in the config; the schema accepts them back as digit strings.
  writeFileSync(o.planPath, JSON.stringify(o.plan, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  const log = createWriteStream(o.logPath, { flags: "a" });
  const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", childScript, o.planPath], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  o.onSpawn?.(child);
  child.stderr!.pipe(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => {
      log.end();
      done({ code, signal });
    }),
  );
  const waiters: Array<(line: string) => void> = [];
  let buf = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      for (const w of waiters.splice(0)) w(line);
    }
  });
  const nextLine = (prefix: string, ms: number) =>
    new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`runtime child: no "${prefix}" line within ${ms} ms (see ${o.logPath})`)), ms);
      const wait = (line: string) => {
        if (line.startsWith(prefix)) {
          clearTimeout(timer);
          done(line.slice(prefix.length));
        } else waiters.push(wait);
      };
      waiters.push(wait);
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        fail(new Error(`runtime child exited (code ${code}, signal ${signal}) before "${prefix}" (see ${o.logPath})`));
      });
    });

  return nextLine("ready ", o.timeoutMs ?? 60_000).then((text) => {
    const ready = JSON.parse(text) as { url: string; pid: number; offerings: Array<{ model: string; providerId: string }> };
    return {
      url: ready.url,
      pid: ready.pid,
      offerings: ready.offerings.map((x) => ({ model: x.model, providerId: BigInt(x.providerId) })),
      exited,
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        await exited;
      },
      async stop(ms = 20_000) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), ms);
        const { code, signal } = await exited;
        clearTimeout(timer);
        if (code !== 0) throw new Error(`runtime child did not shut down cleanly (code ${code}, signal ${signal}); see ${o.logPath}`);
      },
      async memory() {
        const line = nextLine("mem ", 10_000);
        child.stdin!.write("mem\n");
        return JSON.parse(await line) as RuntimeMemory;
      },
    };
  });
}
