/**
 * A benchmark server in its own process (forked with tsx), asked over IPC: the server's CPU time is
 * then exactly process.cpuUsage() of that process, which nothing else runs in.
 * The child calls `serveBench(handlers)` once it is listening; the parent `call`s a handler by name.
 */
import { fork, type ChildProcess } from "node:child_process";

type Handlers = Record<string, (arg: unknown) => unknown>;
type Message = { id: number; name: string; arg?: unknown };
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** In the child: answers `cpu` (process.cpuUsage in µs) and `close`, plus `handlers`; announces `info`. */
export function serveBench(info: unknown, handlers: Handlers, close: () => Promise<void>): void {
  const all: Handlers = { ...handlers, cpu: () => process.cpuUsage(), close: async () => await close() };
  // A parent that dies (or is killed on a timeout) must not leave this server running: with no one
  // left to ask it anything, it exits.
  process.once("disconnect", () => process.exit(1));
  process.on("message", (m: Message) => {
    Promise.resolve()
      .then(() => all[m.name]!(m.arg))
      .then(
        (value) => process.send!({ id: m.id, ok: true, value } satisfies Reply, () => m.name === "close" && process.exit(0)),
        (err) => process.send!({ id: m.id, ok: false, error: String((err as Error)?.stack ?? err) } satisfies Reply),
      );
  });
  process.send!({ id: 0, ok: true, value: info } satisfies Reply);
}

export type BenchChild<I> = { info: I; call<T>(name: string, arg?: unknown): Promise<T>; cpuMs(): Promise<number>; close(): Promise<void>; proc: ChildProcess };

/**
 * @example
 * const bare = await startBenchChild<{ url: string }>(resolve(dir, "bare-child.ts"));
 * const before = await bare.cpuMs();
 */
export function startBenchChild<I>(file: string, execArgv: string[] = []): Promise<BenchChild<I>> {
  const proc = fork(file, { execArgv: ["--import", "tsx", ...execArgv], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  return new Promise((resolveStart, rejectStart) => {
    waiting.set(0, { resolve: (info) => resolveStart(self(info as I)), reject: rejectStart });
    proc.on("message", (r: Reply) => {
      const w = waiting.get(r.id);
      waiting.delete(r.id);
      if (r.ok) w?.resolve(r.value);
      else w?.reject(new Error(r.error));
    });
    proc.on("exit", (code) => {
      for (const w of waiting.values()) w.reject(new Error(`${file} exited (${code})`));
      waiting.clear();
    });
  });
  function self(info: I): BenchChild<I> {
    const call = <T>(name: string, arg?: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, name, arg } satisfies Message);
      });
    return {
      info, proc, call,
      async cpuMs() {
        const u = await call<NodeJS.CpuUsage>("cpu");
        return (u.user + u.system) / 1000;
      },
      async close() {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise((r) => proc.once("exit", r));
        // A server whose own shutdown hangs is killed after 15 s: a benchmark always ends.
        const kill = setTimeout(() => proc.kill("SIGKILL"), 15_000);
        await call("close").catch(() => undefined);
        await exited;
        clearTimeout(kill);
      },
    };
  }
}
