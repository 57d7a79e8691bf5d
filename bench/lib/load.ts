/**
 * Runs one load-generator process (load-child.ts) against a server and returns what it measured. The
 * generator never shares a process, or an event loop, with the server it measures. `window` is called
 * right before the first measured request and right after the last response (e.g. to read the
 * server's CPU counters), so the warm-up and the proof signing stay outside it.
 */
import { fork } from "node:child_process";
import { resolve } from "node:path";
import type { Hex } from "viem";

export type LoadPlan = {
  url: string;
  connections: number;
  /** The measured window ends at this duration or after maxRequests answers, whichever comes first. */
  durationMs: number;
  maxRequests: number;
  request: { method: "POST"; path: string; body: string };
  /** Paid: every request carries its own session-signed proof (signed by the generator before the window). */
  paid?: { chainId: number; streamPay: Hex; consumerKey: Hex; streamId: string };
};

export type LoadResult = {
  /** Answers in the measured window and the window's length (first request sent -> last answer read). */
  requests: number;
  elapsedMs: number;
  rps: number;
  /** Per-request latency in ms (send -> whole answer read), over the measured window. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  failures: number;
  non2xx: number;
  firstFailure?: string;
  /** The generator's own CPU time / wall time in the window (near 1 = the generator, not the server, was the limit). */
  loadCpuShare: number;
};

const child = resolve(import.meta.dirname, "load-child.ts");

/**
 * @example
 * const r = await runLoad({ url, connections: 64, durationMs: 3000, maxRequests: 50_000, request }, { start: snap, stop: snap });
 */
export function runLoad(plan: LoadPlan, window?: { start(): Promise<void>; stop(): Promise<void> }): Promise<LoadResult> {
  const proc = fork(child, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise<LoadResult>((resolveRun, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      proc.kill();
      reject(err);
    };
    proc.on("exit", (code) => fail(new Error(`load generator exited (${code}) before its result`)));
    proc.on("message", (m: { type: "ready" } | { type: "result"; result: LoadResult } | { type: "error"; message: string }) => {
      if (m.type === "ready") {
        (window?.start() ?? Promise.resolve()).then(() => proc.send({ type: "go" }), (err: Error) => fail(err));
      } else if (m.type === "result") {
        (window?.stop() ?? Promise.resolve()).then(() => {
          settled = true;
          resolveRun(m.result);
        }, (err: Error) => fail(err));
      } else fail(new Error(m.message));
    });
    proc.send({ type: "plan", plan });
  });
}
