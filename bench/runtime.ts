/**
 * `npm run bench:runtime`: what the payment guard, metering and the log add to a request, measured
 * side by side with a bare Fastify route serving the same echo backend, in the same run.
 *
 * Three processes besides anvil: the provider runtime (runtime-child.ts), the bare Fastify echo
 * (bare-child.ts), and one load generator per measured run (load-child.ts). Each repetition runs
 * bare and paid back to back at 64 and at 1 connection(s), alternating which goes first. How each
 * figure is obtained: bench/README.md. Writes bench/results/runtime.json (not with --quick).
 *
 * @example
 * npm run bench:runtime                      # REPS=5, 3 s windows at 64 connections, 2 s at 1
 * npx tsx bench/runtime.ts --quick           # tiny windows, writes nothing (the test runs this)
 * npx tsx bench/runtime.ts --cpu-prof=/tmp/p # also writes a .cpuprofile of the runtime process there
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { resolve } from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createSessionSigner } from "../runtime/client/payment-signer.ts";
import { paymentDomain } from "../runtime/core/payment.ts";
import { startBenchChild, type BenchChild } from "./lib/child.ts";
import { runLoad, type LoadPlan, type LoadResult } from "./lib/load.ts";
import { spread, type Spread } from "./lib/stats.ts";
import { watchdog } from "./lib/watchdog.ts";

const root = resolve(import.meta.dirname, "..");
const quick = process.argv.includes("--quick");
const profileDir = process.argv.find((a) => a.startsWith("--cpu-prof="))?.slice("--cpu-prof=".length);
const REPS = quick ? 1 : Number(process.env.REPS ?? 5);
const WINDOW_MS = { 64: quick ? 300 : Number(process.env.WINDOW_MS ?? 3000), 1: quick ? 200 : 2000 } as const;
const TTFT_RUNS = quick ? 3 : 20;
const body = JSON.stringify({ prompt: "measure the overhead of a paid request", model: "echo-fast" });
const dog = watchdog(quick ? 150_000 : 1_800_000, "bench:runtime");
const loadStart = loadavg().map((x) => x.toFixed(2)).join(" / ");

dog.phase("starting the runtime and the bare server");
type RuntimeInfo = { url: string; chainId: number; streamPay: Hex; consumerKey: Hex; price: string };
const runtime = await startBenchChild<RuntimeInfo>(resolve(import.meta.dirname, "lib/runtime-child.ts"), profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []);
const bare = await startBenchChild<{ url: string }>(resolve(import.meta.dirname, "lib/bare-child.ts"));
// The floor (floor-child.ts): bare + only what a paid job must do by protocol; the ceiling for paid.
const floor = await startBenchChild<{ url: string }>(resolve(import.meta.dirname, "lib/floor-child.ts"));
const streamId = await runtime.call<string>("openStream", { deposit: (10n ** 18n).toString(), duration: "100000" });
const paidAs = { chainId: runtime.info.chainId, streamPay: runtime.info.streamPay, consumerKey: runtime.info.consumerKey, streamId };

type Measured = LoadResult & { serverCpuMsPerRequest: number; serverCpuShare: number };

/**
 * One measured run; the server's CPU is read right before the first and right after the last measured
 * request. A server with a SQLite log then finishes the WAL checkpoint the run caused (settle-wal.ts),
 * and that CPU is counted too: it is the run's work, and it must not run inside the next one's window.
 */
async function measure(server: BenchChild<unknown>, plan: LoadPlan, o: { logged?: boolean } = {}): Promise<Measured> {
  let before = 0;
  let after = 0;
  const r = await runLoad(plan, { start: async () => void (before = await server.cpuMs()), stop: async () => void (after = await server.cpuMs()) });
  const inWindow = after - before;
  if (o.logged) {
    await server.call("settleWal");
    after = await server.cpuMs();
  }
  if (r.failures > 0 || r.non2xx > 0) throw new Error(`${plan.url}${plan.request.path}: ${r.failures} failures, ${r.non2xx} non-2xx (first: ${r.firstFailure})`);
  // Per request: the window's CPU plus the checkpoint it left; share of a core: the window's alone.
  return { ...r, serverCpuMsPerRequest: Math.round(((after - before) / r.requests) * 1e4) / 1e4, serverCpuShare: Math.round((inWindow / r.elapsedMs) * 100) / 100 };
}
const measureLogged = (server: BenchChild<unknown>, plan: LoadPlan) => measure(server, plan, { logged: true });

const barePlan = (connections: 1 | 64, durationMs = WINDOW_MS[connections]): LoadPlan => ({
  url: bare.info.url, connections, durationMs, maxRequests: 1_000_000, request: { method: "POST", path: "/direct", body },
});
const floorPlan = (path: "/floor/receipt" | "/floor/paid"): LoadPlan => ({
  url: floor.info.url, connections: 64, durationMs: WINDOW_MS[64], maxRequests: 1_000_000, request: { method: "POST", path, body },
});
const paidPlan = (connections: 1 | 64, maxRequests: number, durationMs = WINDOW_MS[connections]): LoadPlan => ({
  url: runtime.info.url, connections, durationMs, maxRequests, request: { method: "POST", path: "/v1/inference", body }, paid: paidAs,
});

dog.phase("warm-up");
// Warm-up (not recorded): JIT, SQLite page cache, stream cache, session authorization. Its paid rate
// sizes the pools of signed proofs below (each proof is sent once; a run that spends its pool ends early).
await measure(bare, barePlan(64, quick ? 200 : 1000));
await measureLogged(floor, { ...floorPlan("/floor/paid"), durationMs: quick ? 200 : 1000 });
const warm = await measureLogged(runtime, paidPlan(64, quick ? 500 : 8_000, quick ? 200 : 1000));
// The best paid rate seen so far sizes the next pool (at least a few thousand proofs: a run that
// spends its pool is shorter, not wrong, but a full window is steadier).
const paidRate = { 64: warm.rps, 1: warm.rps / 4 };
const poolFor = (c: 1 | 64) => (quick ? 500 : Math.max(c === 64 ? 8_000 : 3_000, Math.ceil(paidRate[c] * (WINDOW_MS[c] / 1000) * 1.5)));

type Floors = { receipt: Measured; paid: Measured };
const reps: Array<Record<"c64" | "c1", { bare: Measured; paid: Measured }> & { floor: Floors }> = [];
for (let i = 0; i < REPS; i++) {
  dog.phase(`repetition ${i + 1}`);
  const rep = {} as (typeof reps)[number];
  for (const c of [64, 1] as const) {
    // Alternate the order so that a drift in the machine's load does not always favour one side.
    const bareFirst = i % 2 === 0;
    const first = bareFirst ? await measure(bare, barePlan(c)) : await measureLogged(runtime, paidPlan(c, poolFor(c)));
    const second = bareFirst ? await measureLogged(runtime, paidPlan(c, poolFor(c))) : await measure(bare, barePlan(c));
    rep[`c${c}`] = bareFirst ? { bare: first, paid: second } : { bare: second, paid: first };
    paidRate[c] = Math.max(paidRate[c], rep[`c${c}`].paid.rps);
  }
  // The floors at 64 connections, right after the pair they are compared with (order alternating too).
  const receiptFirst = i % 2 === 0;
  const f1 = await measureLogged(floor, floorPlan(receiptFirst ? "/floor/receipt" : "/floor/paid"));
  const f2 = await measureLogged(floor, floorPlan(receiptFirst ? "/floor/paid" : "/floor/receipt"));
  rep.floor = receiptFirst ? { receipt: f1, paid: f2 } : { receipt: f2, paid: f1 };
  reps.push(rep);
  console.error(`rep ${i + 1}/${REPS}: @64 bare ${rep.c64.bare.rps} req/s, floor ${rep.floor.receipt.rps} / ${rep.floor.paid.rps}, paid ${rep.c64.paid.rps} req/s; @1 p50 bare ${rep.c1.bare.p50} ms, paid ${rep.c1.paid.p50} ms`);
}

dog.phase("first token");
// Stream creation (receipt in hand) to the first streamed token.
const ttft: number[] = [];
const domain = paymentDomain(runtime.info.chainId, runtime.info.streamPay);
const consumer = privateKeyToAccount(runtime.info.consumerKey);
for (let i = 0; i < TTFT_RUNS; i++) {
  const price = BigInt(runtime.info.price);
  const id = BigInt(await runtime.call<string>("openStream", { deposit: (price * 600n).toString(), duration: "600" }));
  const start = performance.now();
  const signer = await createSessionSigner({ account: consumer, domain, streamId: id });
  const text = JSON.stringify({ model: "echo-fast", stream: true, messages: [{ role: "user", content: "first token" }] });
  const res = await fetch(`${runtime.info.url}/v1/chat/completions`, { method: "POST", body: text, headers: { "content-type": "application/json", ...(await signer.headers(text, { path: "/v1/chat/completions" })) } });
  const reader = res.body!.getReader();
  let seen = "";
  const decoder = new TextDecoder();
  while (!seen.includes('"content":"first')) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`no first token (HTTP ${res.status}): ${seen.slice(0, 300)}`);
    seen += decoder.decode(value, { stream: true });
  }
  ttft.push(performance.now() - start);
  await reader.cancel();
}

dog.phase("closing");
await bare.close();
await floor.close();
await runtime.close();
dog.done();

const of = (c: "c64" | "c1", side: "bare" | "paid", k: keyof Measured) => spread(reps.map((r) => r[c][side][k] as number));
const pair = (c: "c64" | "c1", f: (x: { bare: Measured; paid: Measured }) => number) => spread(reps.map((r) => f(r[c])));
const show = (s: Spread, unit = "") => (REPS === 1 ? `${s.median}${unit}` : `${s.median}${unit} (${s.min}–${s.max})`);
const ratio64 = pair("c64", (x) => x.paid.rps / x.bare.rps);
const added = (c: "c64" | "c1", k: "p50" | "p99") => pair(c, (x) => x.paid[k] - x.bare[k]);
const cpuPaid = of("c64", "paid", "serverCpuMsPerRequest");
const ofFloor = (side: keyof Floors, k: keyof Measured) => spread(reps.map((r) => r.floor[side][k] as number));
const floorRatio = (side: keyof Floors) => spread(reps.map((r) => r.floor[side].rps / r.c64.bare.rps));
const floorRow = (side: keyof Floors, what: string) => ({
  metric: `floor: ${what}, requests/s @64`, paid: show(ofFloor(side, "rps")), bare: show(of("c64", "bare", "rps")), "paid vs bare": show(floorRatio(side), "x"),
  "CPU ms per request": show(ofFloor(side, "serverCpuMsPerRequest")),
});
const rows = [
  { metric: "requests/s @64 connections", paid: show(of("c64", "paid", "rps")), bare: show(of("c64", "bare", "rps")), "paid vs bare": show(ratio64, "x"), target: ">= 0.8x", ok: ratio64.median >= 0.8 },
  { metric: "latency p50 @64 (ms)", paid: show(of("c64", "paid", "p50")), bare: show(of("c64", "bare", "p50")), "paid vs bare": `+${show(added("c64", "p50"))}`, target: "<= +2 ms", ok: added("c64", "p50").median <= 2 },
  { metric: "latency p99 @64 (ms)", paid: show(of("c64", "paid", "p99")), bare: show(of("c64", "bare", "p99")), "paid vs bare": `+${show(added("c64", "p99"))}`, target: "<= +5 ms", ok: added("c64", "p99").median <= 5 },
  { metric: "latency p50 @1, sequential (ms)", paid: show(of("c1", "paid", "p50")), bare: show(of("c1", "bare", "p50")), "paid vs bare": `+${show(added("c1", "p50"))}` },
  { metric: "latency p99 @1, sequential (ms)", paid: show(of("c1", "paid", "p99")), bare: show(of("c1", "bare", "p99")), "paid vs bare": `+${show(added("c1", "p99"))}` },
  { metric: "server CPU per request @64 (ms)", paid: show(cpuPaid), bare: show(of("c64", "bare", "serverCpuMsPerRequest")), "paid vs bare": `+${show(pair("c64", (x) => x.paid.serverCpuMsPerRequest - x.bare.serverCpuMsPerRequest))}`, target: "paid <= 0.5 ms", ok: cpuPaid.median <= 0.5 },
  floorRow("receipt", "bare + body hash, output digest, signed receipt"),
  floorRow("paid", "+ 3 durable log events"),
  { metric: "stream creation to first token (ms)", paid: show(spread(ttft)), bare: "", "paid vs bare": "", target: "<= 20 ms", ok: spread(ttft).median <= 20 },
];

const result = {
  title: "Runtime overhead (npm run bench:runtime)",
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}; shared machine, load average ${loadStart} at start, ${loadavg().map((x) => x.toFixed(2)).join(" / ")} at end`,
  date: new Date().toISOString(),
  note: `Median (min–max) over ${REPS} repetitions; each repetition measures bare and paid back to back (order alternating) at 64 connections (${WINDOW_MS[64]} ms windows) and at 1 connection (${WINDOW_MS[1]} ms), then the two floors (bare + what a paid job must do by protocol) at 64 connections. "paid vs bare" is the median of the per-repetition differences or ratios. How each figure is obtained: bench/README.md.`,
  rows,
  raw: { reps, ttftMs: ttft.map((x) => Math.round(x * 100) / 100), warmup: warm },
};
console.table(rows.map((r) => ({ ...r })));
// OUT=path writes the result elsewhere (a trial run must not replace the committed figures).
if (!quick) writeFileSync(process.env.OUT ?? resolve(root, "bench/results/runtime.json"), JSON.stringify(result, null, 2) + "\n");
else console.log(JSON.stringify({ quick: true, rows }));
