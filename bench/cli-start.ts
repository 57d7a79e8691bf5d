/**
 * `claw --help` start time: the compiled dispatcher that lazy-loads commands (runtime/cli/bin.mjs ->
 * dist/cli/main.js) beside the start every command used to pay (tsx compiling and importing all of
 * them), warm tsx cache and cold (TSX_DISABLE_CACHE=1). Median of runs; writes bench/results/cli-start.json.
 *
 * @example
 * npx tsx bench/cli-start.ts
 */
import { spawnSync } from "node:child_process";
import { cpus, totalmem, type as osType, release } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { buildCli } from "../scripts/build-cli.ts";

const root = resolve(import.meta.dirname, "..");
const runs = Number(process.env.RUNS ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(args: string[], env: NodeJS.ProcessEnv = {}, expect = "gateway"): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, encoding: "utf8" });
    samples.push(performance.now() - t);
    if (r.status !== 0 || !r.stdout.includes(expect)) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  }
  return Math.round(median(samples));
}

export async function benchCliStart() {
  await buildCli();
  // What `claw --help` did before: tsx loaded main.ts and every command file it imported.
  const eager = ["--import", "tsx", "-e", "const { buildProgram } = await import('./runtime/cli/main.ts'); console.log((await buildProgram({ only: 'all' })).helpInformation());", "--input-type=module"];
  const compiled = time(["runtime/cli/bin.mjs", "--help"]);
  const eagerWarm = time(eager);
  const eagerCold = time(eager, { TSX_DISABLE_CACHE: "1" });
  const inferHelp = time(["runtime/cli/bin.mjs", "infer", "--help"], {}, "--max-price");
  return {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version },
    note: `Median of ${runs} runs of a whole process (spawn to exit). Target: claw --help <= 300 ms.`,
    rows: [
      { what: "claw --help (compiled dispatcher, lazy commands)", ms: compiled },
      { what: "claw infer --help (dispatcher + infer's sources through tsx)", ms: inferHelp },
      { what: "before: tsx + every command (warm tsx cache)", ms: eagerWarm },
      { what: "before: tsx + every command (cold: TSX_DISABLE_CACHE=1)", ms: eagerCold },
    ],
    ratio: { warm: Math.round((eagerWarm / compiled) * 10) / 10, cold: Math.round((eagerCold / compiled) * 10) / 10 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchCliStart();
  for (const row of r.rows) console.log(`${String(row.ms).padStart(6)} ms  ${row.what}`);
  console.log(`compiled is ${r.ratio.warm}x faster than before (warm), ${r.ratio.cold}x (cold)`);
  mkdirSync(resolve(root, "bench/results"), { recursive: true });
  writeFileSync(resolve(root, "bench/results/cli-start.json"), JSON.stringify(r, null, 2) + "\n");
}
