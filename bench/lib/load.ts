/**
 * Load generation with autocannon (a well-kept HTTP benchmarking library), run in a child process so
 * the load generator never shares an event loop with the server it measures. Requests are pre-built
 * (each paid one carries its own signed nonce) and handed over in a temp file.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export type LoadResult = { p50: number; p90: number; p99: number; mean: number; rps: number; requests: number; errors: number; non2xx: number };
export type LoadRequest = { method: "GET" | "POST"; path: string; body?: string; headers?: Record<string, string> };
export type LoadPlan = { url: string; connections: number; amount: number; requests: LoadRequest[] };

const child = resolve(import.meta.dirname, "load-child.ts");
const tsx = resolve(import.meta.dirname, "../../node_modules/tsx/dist/cli.mjs");

/**
 * @example
 * const r = await runLoad({ url, connections: 64, amount: 5000, requests });
 */
export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const file = join(mkdtempSync(join(tmpdir(), "claw-load-")), "plan.json");
  writeFileSync(file, JSON.stringify(plan));
  // Asynchronous on purpose: the server under test runs on this process's event loop.
  const { stdout: out } = await promisify(execFile)(process.execPath, [tsx, child, file], { encoding: "utf8", maxBuffer: 16 << 20 });
  return JSON.parse(out.trim().split("\n").at(-1)!) as LoadResult;
}
