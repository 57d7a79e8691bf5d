/**
 * `npm run bench:store`: the event store against raw SQLite in the same run, written to
 * bench/results/store.json with the machine and date. better-sqlite3 runs here; node:sqlite runs
 * in a child on the Node 24 shim when it is installed. `--driver node:sqlite --json` is that child.
 * Then the async store (bench/store-async.ts) on SQLite and PostgreSQL side by side: appends/s and
 * replay/s through the interface several runtime instances share.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, statfsSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem, release } from "node:os";
import { resolve } from "node:path";
import type { DriverName } from "../runtime/store/driver.ts";
import { measureAsyncStores, printAsync } from "./store-async.ts";
import { measureDriver, REPEAT, type DriverResult } from "./store-measure.ts";

const args = process.argv.slice(2);
const only = args.includes("--driver") ? (args[args.indexOf("--driver") + 1] as DriverName) : undefined;
if (only) {
  const result = measureDriver(only);
  if (args.includes("--json")) process.stdout.write(JSON.stringify({ node: process.version, result }));
  else console.log(result);
  process.exit(0);
}

const root = resolve(import.meta.dirname, "..");
const targets = { batchedEventsPerSecond: 100_000, singleP50Ms: 0.2, replayEventsPerSecond: 500_000 };
// Other work on the machine skews the numbers: record how busy it was when we started.
const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
const drivers: Array<{ node: string; result: DriverResult }> = [{ node: process.version, result: measureDriver("better-sqlite3") }];
const node24 = resolve(root, "contracts/node_modules/.bin/node");
if (existsSync(node24)) {
  const child = spawnSync(node24, ["--import", "tsx", resolve(import.meta.dirname, "store.ts"), "--driver", "node:sqlite", "--json"], {
    cwd: root, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" }, maxBuffer: 1 << 24,
  });
  if (child.status === 0) drivers.push(JSON.parse(child.stdout));
  else console.error(`node:sqlite run failed: ${child.stderr}`);
}

const fsInfo = statfsSync(root);
const machine = {
  cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30),
  os: `${process.platform} ${release()}`, loadAverageAtStart: loadAtStart, fsType: `0x${fsInfo.type.toString(16)}`, note: "temp files on the machine's root disk (/tmp)",
};
const verdict = (r: DriverResult) => ({
  batched: r.batched.store.eventsPerSecond >= targets.batchedEventsPerSecond,
  singleNormalP50: r.single.normal.store.p50Ms <= targets.singleP50Ms,
  singleFullP50: r.single.full.store.p50Ms <= targets.singleP50Ms,
  replay: r.replay.store.eventsPerSecond >= targets.replayEventsPerSecond,
});
const method = `each throughput figure is the fastest of ${REPEAT} repetitions (wall clock; CPU time alongside); latencies are percentiles over ` +
  `3000 single appends, each its own transaction; raw = the same driver with the same pragmas and schema, no hashing/encoding/validation`;
const asyncStores = await measureAsyncStores();
const out = {
  date: new Date().toISOString(), machine, method, targets, runs: drivers.map((d) => ({ ...d, meetsTargets: verdict(d.result) })),
  asyncStores: { ...asyncStores, note: "PostgreSQL on this machine over loopback TCP, the test cluster of scripts/pg-test-server.sh (fsync off): the cost measured is round trips and the append lock, not disk" },
};
mkdirSync(resolve(import.meta.dirname, "results"), { recursive: true });
writeFileSync(resolve(import.meta.dirname, "results/store.json"), `${JSON.stringify(out, null, 2)}\n`);

const f = (n: number) => n.toLocaleString("en-US");
console.log(`event store benchmark — ${machine.cpu}, ${machine.cores} cores, load average at start ${loadAtStart.join(" / ")}, ${out.date}`);
for (const { node, result: r } of drivers) {
  const v = verdict(r);
  const mark = (ok: boolean) => (ok ? "ok " : "MISS");
  console.log(`\n[${r.driver} on Node ${node}]  ${f(r.events)} events; raw = the same driver's bare INSERT/SELECT`);
  console.log(`${mark(v.batched)} batched append   ${f(r.batched.store.eventsPerSecond)} ev/s (batches of 1000; ${f(r.batched.store.eventsPerCpuSecond)} per CPU-second)  vs raw ${f(r.batched.raw.eventsPerSecond)} ev/s in one transaction (${f(r.batched.raw.eventsPerCpuSecond)}/CPU-s)  = ${r.batched.ratio}x raw  (target >= ${f(targets.batchedEventsPerSecond)})`);
  console.log(`     same ${f(r.events)} events: store in one batch ${f(r.batched.storeInOneBatch.eventsPerSecond)} ev/s (${r.batched.storeInOneBatch.ratioToRaw}x raw); raw committing every 1000 ${f(r.batched.rawInBatchesOf1000.eventsPerSecond)} ev/s`);
  for (const d of ["normal", "full"] as const) {
    const s = r.single[d];
    console.log(`${mark(d === "normal" ? v.singleNormalP50 : v.singleFullP50)} single append ${d.padEnd(6)} p50 ${s.store.p50Ms} ms  p99 ${s.store.p99Ms} ms  vs raw p50 ${s.raw.p50Ms} / p99 ${s.raw.p99Ms} ms  (${s.p50Ratio}x; target p50 <= ${targets.singleP50Ms})`);
  }
  console.log(`${mark(v.replay)} replay           ${f(r.replay.store.eventsPerSecond)} ev/s (decoded, counted; ${f(r.replay.store.eventsPerCpuSecond)}/CPU-s)  vs raw row read ${f(r.replay.raw.eventsPerSecond)} ev/s  = ${r.replay.ratio}x raw  (target >= ${f(targets.replayEventsPerSecond)})`);
  console.log(`     replay into all projections ${f(r.replay.projections.eventsPerSecond)} ev/s;  verify hash chain ${f(r.verify.eventsPerSecond)} ev/s`);
}
printAsync(asyncStores);
console.log(`\nwrote bench/results/store.json`);
