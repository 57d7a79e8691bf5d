/**
 * Kills a writing child with SIGKILL at random moments, reopens the log and checks the promise:
 * every acknowledged append is present at its position with its content, and the hash chain
 * verifies. Shared by test/store-crash.test.ts (a few rounds) and test/store-crash.soak.ts (>= 20).
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import type { DriverName } from "../runtime/store/driver.ts";
import { openStore } from "../runtime/store/open.ts";
import type { Durability } from "../runtime/store/types.ts";

export type CrashOptions = {
  path: string;
  rounds: number;
  driver: DriverName;
  /** The Node binary for the child (e.g. the Node 24 shim for node:sqlite). */
  nodeBinary?: string;
  /** The driver the parent reopens with (default: the child's). */
  checkDriver?: DriverName;
  seed?: number;
  log?: (line: string) => void;
};

export type RoundResult = { round: number; durability: Durability; killedAfterMs: number; acked: number; total: number };

const child = resolve(import.meta.dirname, "store-crash-child.ts");

function runAndKill(o: CrashOptions, round: number, durability: Durability, killAfterMs: number, afterReady: boolean) {
  return new Promise<{ acks: Map<number, string>; killedAfterMs: number }>((done, fail) => {
    const started = Date.now();
    const proc = spawn(o.nodeBinary ?? process.execPath, ["--import", "tsx", child, o.path, o.driver, durability, String(round)], {
      stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    const acks = new Map<number, string>();
    let buf = "";
    let stderr = "";
    let timer: NodeJS.Timeout | undefined;
    const arm = () => { timer ??= setTimeout(() => proc.kill("SIGKILL"), killAfterMs); };
    if (!afterReady) arm();
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === "ready") { if (afterReady) arm(); continue; }
        const [pos, jobId] = line.split(" ");
        acks.set(Number(pos), jobId!);
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (c: string) => { stderr += c; });
    proc.on("error", fail);
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") fail(new Error(`crash child exited by itself (code ${code}): ${stderr}`));
      else done({ acks, killedAfterMs: Date.now() - started });
    });
  });
}

/**
 * @example
 * const results = await runCrashRounds({ path: "/tmp/x/crash.db", rounds: 3, driver: "better-sqlite3" });
 */
export async function runCrashRounds(o: CrashOptions): Promise<RoundResult[]> {
  let seed = o.seed ?? Date.now() % 100_000;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const allAcks = new Map<number, string>();
  const results: RoundResult[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const durability: Durability = round % 2 === 0 ? "full" : "normal";
    // Most rounds die under load; every fourth at any moment from spawn on (also mid-open/migration).
    const afterReady = round % 4 !== 0;
    const killAfter = afterReady ? 20 + Math.floor(rand() * 400) : Math.floor(rand() * 900);
    const { acks, killedAfterMs } = await runAndKill(o, round, durability, killAfter, afterReady);
    for (const [p, j] of acks) {
      if (allAcks.has(p) && allAcks.get(p) !== j) throw new Error(`round ${round}: position ${p} acknowledged twice with different jobs`);
      allAcks.set(p, j);
    }
    const store = openStore({ path: o.path, driver: o.checkDriver ?? o.driver });
    try {
      const v = store.verify();
      if (!v.ok) throw new Error(`round ${round}: hash chain broken at ${v.firstBadPosition}: ${v.reason}`);
      const present = new Map<number, string>();
      for (const e of store.read({ types: ["JobAccepted", "JobCompleted"] })) present.set(e.position, (e.data as { jobId: string }).jobId);
      for (const [p, j] of allAcks) {
        if (present.get(p) !== j) throw new Error(`round ${round}: acknowledged position ${p} (${j}) is ${present.get(p) ?? "missing"} after the crash`);
      }
      const r = { round, durability, killedAfterMs, acked: acks.size, total: v.checked };
      results.push(r);
      o.log?.(`round ${round}: ${durability}, killed after ${killedAfterMs} ms, ${acks.size} acknowledged this round, ${v.checked} in the log: ok`);
    } finally {
      store.close();
    }
  }
  return results;
}
