/**
 * The gateway's economics and overhead on a local market (anvil + a provider runtime on loopback):
 * - gas per request: a burst of 100 chat requests through the gateway (one stream opened, reused,
 *   settled once) against one-shot purchases (`claw infer`'s path: open + settle per request);
 * - added time to first token: `claw gateway` (HTTP hop, access key, limits, log, then the SDK's
 *   paying fetch) against the SDK's paying fetch calling the provider directly (its own wallet and
 *   warm stream), interleaved one for one (order alternating), streamed chat, p50 and p90;
 * - requests/s: CONCURRENCY closed loops of non-streamed chat through each path for WINDOW_MS, the
 *   two paths back to back per repetition (order alternating), REPS repetitions, median (min–max).
 * Everything (anvil aside) runs in this one process: the providers, the gateway and both clients, so
 * both paths pay for the same providers on the same event loop and the difference is the gateway's.
 * Writes bench/results/gateway.json (not with --quick, which only checks that it runs).
 *
 * @example
 * npx tsx bench/gateway.ts        # REQUESTS=100 LATENCY_RUNS=40 REPS=5 WINDOW_MS=3000 CONCURRENCY=8
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from "node:os";
import { join, resolve } from "node:path";
import type { Hash } from "viem";
import { createClawClient } from "../runtime/client/client.ts";
import { createPayingFetch } from "../runtime/client/paying-fetch.ts";
import { startGateway } from "../runtime/gateway/start.ts";
import { startConsumerMarket } from "../test/consumer-support.ts";
import { spread, type Spread } from "./lib/stats.ts";
import { watchdog } from "./lib/watchdog.ts";

const root = resolve(import.meta.dirname, "..");
const quick = process.argv.includes("--quick");
const REQUESTS = quick ? 5 : Number(process.env.REQUESTS ?? 100);
const LATENCY_RUNS = quick ? 3 : Number(process.env.LATENCY_RUNS ?? 40);
const REPS = quick ? 1 : Number(process.env.REPS ?? 5);
const WINDOW_MS = quick ? 300 : Number(process.env.WINDOW_MS ?? 3000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
type Fetch = (url: string, init: RequestInit) => Promise<Response>;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]! * 100) / 100;
};

/** ms from sending to the first SSE event with content. */
async function firstToken(fetcher: Fetch, url: string, init: RequestInit): Promise<number> {
  const t = performance.now();
  const res = await fetcher(url, init);
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  let at = -1;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    if (at < 0 && /"content":"[^"]/.test(buf)) at = performance.now() - t;
  }
  if (at < 0) throw new Error("no token in the answer");
  return at;
}

/** `CONCURRENCY` closed loops for `WINDOW_MS`; requests/s = answers / (first sent -> last answer read). */
async function throughput(fetcher: Fetch, url: string, init: () => RequestInit): Promise<{ rps: number; requests: number }> {
  let done = 0;
  const start = performance.now();
  let last = start;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() - start < WINDOW_MS) {
      const res = await fetcher(url, init());
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      done++;
      last = performance.now();
    }
  }));
  return { rps: Math.round((done / (last - start)) * 1000 * 10) / 10, requests: done };
}

const show = (s: Spread, unit = "") => (s.n === 1 ? `${s.median}${unit}` : `${s.median}${unit} (${s.min}–${s.max})`);

export async function benchGateway() {
  const m = await startConsumerMarket({ idleSeconds: 600 });
  try {
    const gasOf = async (hash: Hash | undefined) => (hash ? (await m.publicClient.getTransactionReceipt({ hash })).gasUsed : 0n);

    // One-shot purchases, as `claw infer` makes them.
    const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[4]!, contracts: m.contracts, pollingIntervalMs: 50 });
    const oneShot: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const { receipt } = await claw.infer("echo-1", "hi", { probe: false });
      oneShot.push((await gasOf(receipt.txHashes.open)) + (await gasOf(receipt.txHashes.close)));
    }

    const gw = await startGateway({ chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[5]!, contracts: m.contracts, pollingIntervalMs: 50 }, stateDir: mkdtempSync(join(tmpdir(), "claw-bench-gw-")), port: 0, parallel: CONCURRENCY });
    const post = (body: object, stream = false) =>
      ({ method: "POST", headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "echo-1", stream, ...body }) }) satisfies RequestInit;
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, post({ messages: [{ role: "user", content: `hi ${i}` }] }));
      if (!res.ok) throw new Error(`request ${i}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const burstMs = performance.now() - started;

    // The SDK straight to the provider: the same paying fetch the gateway runs on, its own wallet, and
    // the same `parallel` (requests at once on one stream) so that both carry CONCURRENCY on one stream.
    const sdk = createPayingFetch({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[6]!, contracts: m.contracts, pollingIntervalMs: 50, parallel: CONCURRENCY });
    const market = "http://market.invalid/v1/chat/completions";
    const direct = (stream: boolean, content: string): RequestInit => ({
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "echo-1", stream, messages: [{ role: "user", content }] }),
    });
    const viaGw = (stream: boolean, content: string) => post({ messages: [{ role: "user", content }] }, stream);
    const sdkFetch: Fetch = (url, init) => sdk(url, init);
    // Warm both paths (streams open, sessions authorized, JIT).
    for (let i = 0; i < 5; i++) {
      await (await fetch(`${gw.url}/v1/chat/completions`, viaGw(false, "warm"))).arrayBuffer();
      await (await sdk(market, direct(false, "warm"))).arrayBuffer();
    }

    // Time to first token, one for one, order alternating.
    const viaGateway: number[] = [];
    const directTtft: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const g = () => firstToken(fetch, `${gw.url}/v1/chat/completions`, viaGw(true, "latency"));
      const d = () => firstToken(sdkFetch, market, direct(true, "latency"));
      if (i % 2 === 0) {
        viaGateway.push(await g());
        directTtft.push(await d());
      } else {
        directTtft.push(await d());
        viaGateway.push(await g());
      }
    }

    // Requests/s, the two paths back to back per repetition, order alternating.
    const rps: Array<{ gateway: { rps: number; requests: number }; direct: { rps: number; requests: number } }> = [];
    // One unrecorded window each first: whatever streams CONCURRENCY requests at once need are opened here.
    const warmGw = await throughput(fetch, `${gw.url}/v1/chat/completions`, () => viaGw(false, "throughput"));
    await throughput(sdkFetch, market, () => direct(false, "throughput"));
    for (let i = 0; i < REPS; i++) {
      const g = () => throughput(fetch, `${gw.url}/v1/chat/completions`, () => viaGw(false, "throughput"));
      const d = () => throughput(sdkFetch, market, () => direct(false, "throughput"));
      if (i % 2 === 0) rps.push({ gateway: await g(), direct: await d() });
      else {
        const dr = await d();
        rps.push({ gateway: await g(), direct: dr });
      }
    }
    const sdkReceipts = await sdk.close();
    const receipts = await gw.payingFetch.close();
    await gw.close();
    let gatewayGas = 0n;
    for (const r of receipts) gatewayGas += (await gasOf(r.txHashes.open)) + (await gasOf(r.txHashes.close));
    // Everything the gateway's stream served: the burst, the warm-up, the first-token runs, the throughput windows.
    const served = REQUESTS + 5 + LATENCY_RUNS + warmGw.requests + rps.reduce((a, r) => a + r.gateway.requests, 0);
    void sdkReceipts;
    const oneShotMean = oneShot.reduce((a, b) => a + b, 0n) / BigInt(oneShot.length);
    const perRequest = gatewayGas / BigInt(served);
    const addedP50 = Math.round((pct(viaGateway, 50) - pct(directTtft, 50)) * 100) / 100;
    const gwRps = spread(rps.map((r) => r.gateway.rps));
    const directRps = spread(rps.map((r) => r.direct.rps));
    const ratio = spread(rps.map((r) => r.gateway.rps / r.direct.rps));
    return {
      title: "Gateway (npm run bench:gateway)",
      rows: [
        { metric: "gas per request, one-shot (open + settle each)", value: Number(oneShotMean), target: "" },
        { metric: `gas per request through the gateway (${served} requests, ${receipts.length} stream)`, value: Number(perRequest), target: "<= 3,000", ok: perRequest <= 3000n },
        { metric: "first token p50 via gateway (ms)", value: pct(viaGateway, 50), target: "" },
        { metric: "first token p50, SDK direct to the provider (ms)", value: pct(directTtft, 50), target: "" },
        { metric: "added by the gateway to first token, p50 (ms)", value: addedP50, target: "<= 5", ok: addedP50 <= 5 },
        { metric: `requests/s via gateway (${CONCURRENCY} at once)`, value: show(gwRps), target: "" },
        { metric: `requests/s, SDK direct (${CONCURRENCY} at once)`, value: show(directRps), target: "" },
        { metric: "gateway vs SDK direct, requests/s", value: show(ratio, "x"), target: "" },
      ],
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100) },
      note:
        "Local anvil and the consumer test market (three provider runtimes on loopback; the cheapest echo-1 one serves, 50 tokens/s). Gas = receipt gasUsed of the stream's open (consumer) and close (provider settle) transactions. " +
        `Direct = the SDK's paying fetch (createPayingFetch, its own wallet and warm stream) called in this process; via gateway = the same request over HTTP to \`claw gateway\`, which runs the same paying fetch. First token: ${LATENCY_RUNS} streamed chats each way, one for one, order alternating. Requests/s: ${CONCURRENCY} closed loops of non-streamed chat for ${WINDOW_MS} ms per path, the two paths back to back, ${REPS} repetitions (order alternating), median (min–max); providers, gateway and clients share this one process. Targets: <= 3,000 gas per request amortized; <= 5 ms p50 added to first token.`,
      gas: {
        oneShotPerRequest: oneShotMean.toString(),
        gateway: { streams: receipts.length, requests: served, totalGas: gatewayGas.toString(), perRequest: (gatewayGas / BigInt(served)).toString() },
        ratio: Number((oneShotMean * 10n * BigInt(served)) / (gatewayGas || 1n)) / 10,
      },
      burst: { requests: REQUESTS, ms: Math.round(burstMs), perRequestMs: Math.round((burstMs / REQUESTS) * 10) / 10 },
      firstTokenMs: {
        runs: LATENCY_RUNS,
        gateway: { p50: pct(viaGateway, 50), p90: pct(viaGateway, 90) },
        direct: { p50: pct(directTtft, 50), p90: pct(directTtft, 90) },
        addedP50,
      },
      requestsPerSecond: { concurrency: CONCURRENCY, windowMs: WINDOW_MS, reps: rps },
    };
  } finally {
    await m.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dog = watchdog(quick ? 150_000 : 1_800_000, "bench:gateway");
  const r = await benchGateway();
  dog.done();
  console.table(r.rows);
  if (quick) console.log(JSON.stringify({ quick: true, rows: r.rows }));
  else {
    mkdirSync(resolve(root, "bench/results"), { recursive: true });
    writeFileSync(process.env.OUT ?? resolve(root, "bench/results/gateway.json"), JSON.stringify(r, null, 2) + "\n");
  }
}
