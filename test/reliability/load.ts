/**
 * Sustained paid load: the load child (autocannon, its own process) sends paid requests at a fixed
 * rate for a duration while the parent samples the runtime's memory (after a full GC in the runtime
 * process) once per window. Memory is judged after a warm-up: the heap after GC at the end against
 * the heap after GC at the end of the warm-up.
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { bytesToHex } from "viem";
import { fromBase64Url, paymentDomain, paymentTypes, toBase64Url } from "../../runtime/core/payment.ts";
import type { LoadChildPlan, LoadWindow } from "./load-child.ts";
import type { ReliabilityMarket } from "./market.ts";
import type { RuntimeMemory } from "./runtime-process.ts";

const childScript = resolve(import.meta.dirname, "load-child.ts");
const baselineScript = resolve(import.meta.dirname, "baseline-child.ts");

/** Runs the load child on a plan file; calls `onWindow` per window; resolves with its summary. */
function driveLoad(planPath: string, onWindow: (w: LoadWindow) => void): Promise<LoadSummary> {
  return new Promise<LoadSummary>((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", childScript, planPath], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" } });
    let buf = "";
    let stderr = "";
    let final: LoadSummary | undefined;
    child.stderr.setEncoding("utf8").on("data", (c: string) => void (stderr += c));
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith("window ")) onWindow(JSON.parse(line.slice(7)) as LoadWindow);
        else if (line.startsWith("done ")) final = JSON.parse(line.slice(5)) as LoadSummary;
      }
    });
    child.on("error", fail);
    child.on("exit", (code) => (final && code === 0 ? done(final) : fail(new Error(`load child exited ${code}: ${stderr.slice(0, 2000)}`))));
  });
}

/**
 * The same load against the echo backend behind a bare Fastify route in its own process (no
 * payment, no log): what the machine gives without the runtime, measured under the same conditions.
 *
 * @example
 * const base = await runBaselineLoad(m.dir, { rate: 300, connections: 32, durationSeconds: 30, tokensPerSecond: 1000 });
 */
export async function runBaselineLoad(dir: string, o: { rate: number; connections: number; durationSeconds: number; tokensPerSecond: number; model: string }): Promise<LoadSummary> {
  const child = spawn(process.execPath, ["--import", "tsx", baselineScript, String(o.tokensPerSecond)], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NODE_NO_WARNINGS: "1" } });
  try {
    const url = await new Promise<string>((done, fail) => {
      let buf = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => {
        buf += c;
        const m = /ready (\{.*\})\n/.exec(buf);
        if (m) done((JSON.parse(m[1]!) as { url: string }).url);
      });
      child.once("exit", (code) => fail(new Error(`baseline child exited ${code}`)));
    });
    const { privateKey } = generateKeyPairSync("ed25519");
    const plan: LoadChildPlan = {
      url, rate: o.rate, connections: o.connections, durationSeconds: o.durationSeconds, windowSeconds: o.durationSeconds, model: o.model,
      domain: paymentDomain(1, "0x0000000000000000000000000000000000000001"),
      privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(), streams: [{ streamId: "1", session: "unused" }],
    };
    const planPath = join(dir, "baseline-plan.json");
    writeFileSync(planPath, JSON.stringify(plan));
    return await driveLoad(planPath, () => undefined);
  } finally {
    child.kill("SIGTERM");
  }
}

export type LoadSummary = { requests: number; rps: number; non2xx: number; errors: number; timeouts: number; latency: { p50: number; p90: number; p99: number; max: number; mean: number } };
export type MemorySample = RuntimeMemory & { at: number };

export type LoadReport = {
  durationSeconds: number;
  rate: number;
  connections: number;
  summary: LoadSummary;
  windows: LoadWindow[];
  memory: MemorySample[];
  /** Heap after GC: at the end of the warm-up, at the end, and the growth per 10,000 requests in between. */
  heap: { warmMb: number; endMb: number; growthMb: number; growthPer10kRequestsMb: number };
  rss: { warmMb: number; endMb: number };
  /** Jobs the log recorded during the run: autocannon stops at the deadline with up to `connections` requests in flight, which the runtime still completes (or fails as aborted). */
  jobsLogged: number;
  jobsFailed: Record<string, number>;
  rejectionsLogged: number;
  runtimeCpuSeconds: number;
};

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

/**
 * @example
 * const r = await runLoad(m, { streams, model: "echo-1", rate: 300, connections: 32, durationSeconds: 300 });
 */
export async function runLoad(
  m: ReliabilityMarket,
  o: { streams: Array<{ streamId: bigint; ownerIndex: number }>; model: string; rate: number; connections: number; durationSeconds: number; windowSeconds?: number; warmupShare?: number; progress?: (line: string) => void },
): Promise<LoadReport> {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = fromBase64Url((publicKey.export({ format: "jwk" }) as { x: string }).x);
  const expiresAt = BigInt(Math.floor(Date.now() / 1000) + o.durationSeconds + 3600);
  const streams = await Promise.all(o.streams.map(async (s) => {
    const authorization = await m.account(s.ownerIndex).signTypedData({
      domain: m.domain, types: paymentTypes, primaryType: "SessionKey", message: { streamId: s.streamId, sessionKey: bytesToHex(raw), expiresAt },
    });
    return { streamId: s.streamId.toString(), session: `${toBase64Url(raw)}.${expiresAt}.${authorization}` };
  }));
  const windowSeconds = o.windowSeconds ?? 10;
  const plan: LoadChildPlan = {
    url: m.runtime.url, rate: o.rate, connections: o.connections, durationSeconds: o.durationSeconds, windowSeconds, model: o.model, domain: m.domain,
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(), streams,
  };
  const planPath = join(m.dir, "load-plan.json");
  writeFileSync(planPath, JSON.stringify(plan));
  const fromPosition = m.withLog((s) => s.lastPosition());
  const cpuBefore = (await m.runtime.memory()).cpu;

  const windows: LoadWindow[] = [];
  const memory: MemorySample[] = [];
  const samples: Array<Promise<void>> = [];
  const t0 = Date.now();
  const summary = await driveLoad(planPath, (w) => {
    windows.push(w);
    samples.push(m.runtime.memory().then((mem) => void memory.push({ ...mem, at: Math.round((Date.now() - t0) / 1000) })));
    o.progress?.(`load ${w.at}s: ${w.requests} requests, p50 ${w.p50.toFixed(1)} ms, p99 ${w.p99.toFixed(1)} ms, ${w.non2xx} non-2xx, ${w.errors} errors`);
  });
  await Promise.all(samples);
  memory.sort((a, b) => a.at - b.at);
  const end = await m.runtime.memory();
  memory.push({ ...end, at: Math.round((Date.now() - t0) / 1000) });

  const warmIndex = Math.min(memory.length - 1, Math.max(0, Math.floor(memory.length * (o.warmupShare ?? 0.2)) - 1));
  const warm = memory[warmIndex]!;
  const warmRequests = windows.slice(0, warmIndex + 1).reduce((n, w) => n + w.requests, 0);
  const later = Math.max(1, summary.requests - warmRequests);
  const events = m.readLog(fromPosition + 1);
  return {
    durationSeconds: o.durationSeconds, rate: o.rate, connections: o.connections, summary, windows, memory,
    heap: { warmMb: mb(warm.heapUsed), endMb: mb(end.heapUsed), growthMb: mb(end.heapUsed - warm.heapUsed), growthPer10kRequestsMb: mb(((end.heapUsed - warm.heapUsed) / later) * 10_000) },
    rss: { warmMb: mb(warm.rss), endMb: mb(end.rss) },
    jobsLogged: events.filter((e) => e.type === "JobCompleted").length,
    jobsFailed: events.reduce<Record<string, number>>((acc, e) => (e.type === "JobFailed" ? { ...acc, [e.data.code]: (acc[e.data.code] ?? 0) + 1 } : acc), {}),
    rejectionsLogged: events.filter((e) => e.type === "JobRejected").length,
    runtimeCpuSeconds: Math.round(((end.cpu.user + end.cpu.system - cpuBefore.user - cpuBefore.system) / 1e6) * 10) / 10,
  };
}
