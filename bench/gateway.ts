/**
 * The gateway's economics and overhead on a local market (anvil + a provider runtime on loopback):
 * - gas per request: a burst of 100 chat requests through the gateway (one stream opened, reused,
 *   settled once) against one-shot purchases (`claw infer`'s path: open + settle per request);
 * - added latency to first token: the gateway (HTTP hop, limits, signing, relay) against a direct
 *   paid request signed with the same warm session, interleaved, p50 and p90.
 * Writes bench/results/gateway.json.
 *
 * @example
 * npx tsx bench/gateway.ts        # REQUESTS=100 LATENCY_RUNS=40 by default
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem, type as osType, release } from "node:os";
import { join, resolve } from "node:path";
import type { Hash } from "viem";
import { createClawClient } from "../runtime/client/client.ts";
import { joinUrl } from "../runtime/client/provider-http.ts";
import { startGateway } from "../runtime/gateway/start.ts";
import { startConsumerMarket } from "../test/consumer-support.ts";

const root = resolve(import.meta.dirname, "..");
const REQUESTS = Number(process.env.REQUESTS ?? 100);
const LATENCY_RUNS = Number(process.env.LATENCY_RUNS ?? 40);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]! * 100) / 100;
};

/** ms from sending to the first SSE event with content. */
async function firstToken(url: string, init: RequestInit): Promise<number> {
  const t = performance.now();
  const res = await fetch(url, init);
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

    const gw = await startGateway({ chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[5]!, contracts: m.contracts, pollingIntervalMs: 50 }, stateDir: mkdtempSync(join(tmpdir(), "claw-bench-gw-")), port: 0 });
    const post = (body: object, stream = false) =>
      ({ method: "POST", headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" }, body: JSON.stringify({ model: "echo-1", stream, ...body }) }) satisfies RequestInit;
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, post({ messages: [{ role: "user", content: `hi ${i}` }] }));
      if (!res.ok) throw new Error(`request ${i}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const burstMs = performance.now() - started;

    // Latency: gateway vs direct on the gateway's warm stream (same signer), interleaved.
    const [lane] = await gw.payingFetch.lanes();
    if (!lane) throw new Error("no warm stream");
    const viaGateway: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      viaGateway.push(await firstToken(`${gw.url}/v1/chat/completions`, post({ messages: [{ role: "user", content: "latency" }] }, true)));
      const body = JSON.stringify({ model: "echo-1", stream: true, messages: [{ role: "user", content: "latency" }] });
      const t = performance.now();
      const headers = { ...(await lane.signer.headers(body, { method: "POST", path: "/v1/chat/completions" })), "content-type": "application/json" };
      const signMs = performance.now() - t;
      direct.push(signMs + (await firstToken(joinUrl(lane.provider.endpoint, "/v1/chat/completions"), { method: "POST", headers, body })));
    }
    const receipts = await gw.payingFetch.close();
    await gw.close();
    let gatewayGas = 0n;
    for (const r of receipts) gatewayGas += (await gasOf(r.txHashes.open)) + (await gasOf(r.txHashes.close));
    const served = REQUESTS + LATENCY_RUNS * 2;
    const oneShotMean = oneShot.reduce((a, b) => a + b, 0n) / BigInt(oneShot.length);
    const perRequest = gatewayGas / BigInt(served);
    const added = Math.round((pct(viaGateway, 50) - pct(direct, 50)) * 100) / 100;
    return {
      title: "Gateway (npm run bench:gateway)",
      rows: [
        { metric: "gas per request, one-shot (open + settle each)", value: Number(oneShotMean), target: "" },
        { metric: `gas per request through the gateway (${served} requests, ${receipts.length} stream)`, value: Number(perRequest), target: "<= 3,000", ok: perRequest <= 3000n },
        { metric: "first token p50 via gateway (ms)", value: pct(viaGateway, 50), target: "" },
        { metric: "first token p50 direct, warm session (ms)", value: pct(direct, 50), target: "" },
        { metric: "added by the gateway, p50 (ms)", value: added, target: "<= 5", ok: added <= 5 },
      ],
      date: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version },
      note: "Local anvil and the consumer test market (three provider runtimes on loopback; the cheapest echo-1 one serves). Gas = receipt gasUsed of the stream's open (consumer) and close (provider settle) transactions. Targets: <= 3,000 gas per request amortized; <= 5 ms p50 added to first token.",
      gas: {
        oneShotPerRequest: oneShotMean.toString(),
        gateway: { streams: receipts.length, requests: served, totalGas: gatewayGas.toString(), perRequest: (gatewayGas / BigInt(served)).toString() },
        ratio: Number((oneShotMean * 10n * BigInt(served)) / (gatewayGas || 1n)) / 10,
      },
      burst: { requests: REQUESTS, ms: Math.round(burstMs), perRequestMs: Math.round((burstMs / REQUESTS) * 10) / 10 },
      firstTokenMs: {
        runs: LATENCY_RUNS,
        gateway: { p50: pct(viaGateway, 50), p90: pct(viaGateway, 90) },
        direct: { p50: pct(direct, 50), p90: pct(direct, 90) },
        addedP50: Math.round((pct(viaGateway, 50) - pct(direct, 50)) * 100) / 100,
      },
    };
  } finally {
    await m.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchGateway();
  console.log(JSON.stringify(r, null, 2));
  mkdirSync(resolve(root, "bench/results"), { recursive: true });
  writeFileSync(resolve(root, "bench/results/gateway.json"), JSON.stringify(r, null, 2) + "\n");
}
