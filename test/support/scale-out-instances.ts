/**
 * Runtime instances as real OS processes: `claw start --config FILE` (the operator's command), one
 * per port; SIGKILL is a real crash. They stay in the test's process group (a runner that kills the
 * group kills them), and each exits by itself within a second if the test process dies anyway
 * (PARENT_WATCH, preloaded). The last lines of each one's output are kept for failure messages.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";

const cli = resolve(import.meta.dirname, "../../runtime/cli/bin.mjs");
/** Preloaded into each instance: exit when the process that started it is gone (no orphans). */
const PARENT_WATCH = "data:text/javascript,const p=process.ppid;setInterval(()=>{try{process.kill(p,0)}catch{process.exit(70)}},500).unref();";

export type Health = {
  ok: boolean;
  store?: { ok: boolean; position: number; driver?: string };
  instance?: { id: string; roles: { settler?: boolean; watcher?: boolean } };
  [k: string]: unknown;
};

export type Instance = {
  index: number;
  url: string;
  child: ChildProcess;
  /** Set once the process has exited (code or signal). */
  exited?: string;
  /** The last output lines (stdout and stderr). */
  tail(): string;
  /** Every stdout line so far that mentions `text` (the runtime logs JSON lines). */
  linesWith(text: string): string[];
  health(): Promise<Health | null>;
  /** SIGKILL (a crash: no graceful close) and wait for the exit. */
  kill(): Promise<void>;
};

/** A free loopback port (listen on 0, close). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/**
 * @example
 * const inst = spawnInstance(0, { configFile, cwd, port, env: { PRIVATE_KEY, CLAW_STORE_URL } });
 */
export function spawnInstance(index: number, o: { configFile: string; cwd: string; port: number; env: Record<string, string> }): Instance {
  const child = spawn(process.execPath, ["--import", PARENT_WATCH, cli, "start", "--config", o.configFile], {
    cwd: o.cwd, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLAW_DEV_INFO: resolve(o.cwd, "none.json"), CLAW_DB: "", ...o.env, CLAW_SCALE_OUT_PORT: String(o.port) },
  });
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    for (const l of b.toString().split("\n")) if (l) lines.push(l);
    if (lines.length > 4000) lines.splice(0, lines.length - 2000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${o.port}`;
  const exit = new Promise<void>((done) => child.on("exit", (code, signal) => { inst.exited = signal ?? `exit ${code}`; done(); }));
  const inst: Instance = {
    index, url, child,
    tail: () => lines.slice(-25).join("\n"),
    linesWith: (text) => lines.filter((l) => l.includes(text)),
    async health() {
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
        return (await res.json()) as Health;
      } catch {
        return null;
      }
    },
    async kill() {
      if (inst.exited) return;
      child.kill("SIGKILL");
      await exit;
    },
  };
  return inst;
}

/** Waits until the instance answers /health with ok (throws with its output when it exits or times out). */
export async function waitHealthy(inst: Instance, ms: number): Promise<Health> {
  const until = Date.now() + ms;
  for (;;) {
    if (inst.exited) throw new Error(`instance ${inst.index} exited (${inst.exited}) before it was healthy:\n${inst.tail()}`);
    const h = await inst.health();
    if (h?.ok) return h;
    if (Date.now() > until) throw new Error(`instance ${inst.index} not healthy after ${ms} ms (last /health: ${JSON.stringify(h)}):\n${inst.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
