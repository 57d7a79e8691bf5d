/**
 * `npm run bench:runtime`: what the payment guard, metering and the log add to a request.
 * Baseline (same run, same machine): the echo backend served directly over HTTP by a bare Fastify
 * route, with no payment. Measured: added latency p50/p99 at 1 and 64 concurrent requests, paid
 * requests per second with an instant backend, and the time from stream creation to the first token.
 * Writes bench/results/runtime.json.
 */
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { resolve } from "node:path";
import Fastify from "fastify";
import { createBackend, loadPlugin } from "../plugins/loader.ts";
import { startMarket } from "../test/support/market.ts";
import { runLoad, type LoadRequest } from "./lib/load.ts";

const root = resolve(import.meta.dirname, "..");
const quick = process.argv.includes("--quick");
// autocannon reports whole milliseconds; ratios against a 0 ms baseline are shown against 1 ms.
const AMOUNT = quick ? 1_000 : 6_000;
const price = 1_000n;

const market = await startMarket({
  offerings: [{ model: "echo-fast", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: price, concurrency: 64, maxQueue: 10_000 }],
  settlement: { idleSeconds: 3600, minJobMs: 1 },
});
const echo = await createBackend(await loadPlugin("echo", { root }), { tokensPerSecond: 0 });
const direct = Fastify({ logger: false });
direct.post("/direct", async (request) => {
  const { prompt } = request.body as { prompt: string };
  let text = "";
  for await (const c of echo.infer({ task: "completion", id: "b", model: "echo-fast", prompt }, new AbortController().signal)) if (c.type === "text") text += c.text;
  return { response: text };
});
const directUrl = await direct.listen({ host: "127.0.0.1", port: 0 });

const body = JSON.stringify({ prompt: "measure the overhead of a paid request", model: "echo-fast" });
const consumer = market.account(2);
const providerId = market.provider.offerings[0]!.providerId;
const { streamId } = await market.openStream(consumer, { deposit: 10n ** 18n, duration: 100_000n, providerId });
const signer = await market.sessionSigner(consumer, streamId);

async function signedRequests(n: number): Promise<LoadRequest[]> {
  const out: LoadRequest[] = [];
  for (let i = 0; i < n; i++) out.push({ method: "POST", path: "/v1/inference", body, headers: await signer.headers(body, { path: "/v1/inference" }) });
  return out;
}

const directReq: LoadRequest = { method: "POST", path: "/direct", body };
// Warm both paths (JIT, SQLite page cache, stream cache, session authorization).
await runLoad({ url: directUrl, connections: 8, amount: 500, requests: [directReq] });
await runLoad({ url: market.provider.url, connections: 8, amount: 500, requests: await signedRequests(500) });

const rows: Array<{ metric: string; value: string; baseline?: string; ratio?: string; target?: string; ok?: boolean }> = [];
const raw: Record<string, unknown> = {};
for (const connections of [1, 64]) {
  const base = await runLoad({ url: directUrl, connections, amount: AMOUNT, requests: [directReq] });
  const paid = await runLoad({ url: market.provider.url, connections, amount: AMOUNT, requests: await signedRequests(AMOUNT) });
  if (paid.non2xx > 0 || paid.errors > 0) throw new Error(`paid run at ${connections} had ${paid.non2xx} non-2xx and ${paid.errors} errors`);
  raw[`c${connections}`] = { direct: base, paid };
  const addedP50 = paid.p50 - base.p50;
  const addedP99 = paid.p99 - base.p99;
  rows.push({ metric: `added latency p50 @${connections}`, value: `${addedP50.toFixed(2)} ms`, baseline: `${base.p50} ms direct`, ratio: `${(paid.p50 / Math.max(base.p50, 1)).toFixed(2)}x`, ...(connections === 64 ? { target: "<= 2 ms", ok: addedP50 <= 2 } : {}) });
  rows.push({ metric: `added latency p99 @${connections}`, value: `${addedP99.toFixed(2)} ms`, baseline: `${base.p99} ms direct`, ratio: `${(paid.p99 / Math.max(base.p99, 1)).toFixed(2)}x`, ...(connections === 64 ? { target: "<= 5 ms", ok: addedP99 <= 5 } : {}) });
  if (connections === 64) {
    rows.push({ metric: "paid requests/s (instant backend, 64 conns)", value: paid.rps.toFixed(0), baseline: `${base.rps.toFixed(0)} direct`, ratio: `${(paid.rps / base.rps).toFixed(2)}x`, target: ">= 2000", ok: paid.rps >= 2000 });
  }
}

// Stream creation (receipt in hand) to first token, against the backend's own time to first token.
const samples: number[] = [];
const backendOwn: number[] = [];
for (let i = 0; i < (quick ? 5 : 20); i++) {
  const t0 = performance.now();
  for await (const c of echo.infer({ task: "completion", id: "b", model: "echo-fast", prompt: "first token" }, new AbortController().signal)) if (c.type === "text") break;
  backendOwn.push(performance.now() - t0);
  const s = await market.openStream(consumer, { deposit: price * 600n, duration: 600n, providerId });
  const start = performance.now();
  const sign = await market.sessionSigner(consumer, s.streamId);
  const text = JSON.stringify({ model: "echo-fast", stream: true, messages: [{ role: "user", content: "first token" }] });
  const res = await fetch(`${market.provider.url}/v1/chat/completions`, { method: "POST", body: text, headers: { "content-type": "application/json", ...(await sign.headers(text, { path: "/v1/chat/completions" })) } });
  const reader = res.body!.getReader();
  let seen = "";
  while (!seen.includes('"content":"first')) seen += new TextDecoder().decode((await reader.read()).value);
  samples.push(performance.now() - start);
  await reader.cancel();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ttft = median(samples);
const own = median(backendOwn);
rows.push({ metric: "stream creation to first token (median)", value: `${ttft.toFixed(2)} ms`, baseline: `${own.toFixed(3)} ms backend's own`, ratio: `+${(ttft - own).toFixed(2)} ms`, target: "<= +20 ms", ok: ttft - own <= 20 });

const result = {
  title: "Runtime overhead (npm run bench:runtime)",
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(1)} at the end (shared machine)`,
  date: new Date().toISOString().slice(0, 10),
  rows,
  raw: { ...raw, ttftSamplesMs: samples, backendOwnMs: backendOwn },
};
console.table(rows);
if (!quick) writeFileSync(resolve(root, "bench/results/runtime.json"), JSON.stringify(result, null, 2) + "\n");
await direct.close();
await market.close();
