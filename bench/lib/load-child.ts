/**
 * The load generator process (forked by load.ts): a closed loop of `connections` workers, each on its
 * own keep-alive socket (node:http Agent), sending the next request as soon as its previous answer has
 * been read in full. Latency is timed per request with performance.now() (sub-millisecond); the run's
 * duration is the load generator's own clock from the first measured request to the last response.
 *
 * Protocol (IPC): parent sends {plan}; child builds its requests (paid ones are signed here, before
 * anything is timed), opens every connection with one unmeasured request each, sends {ready}; parent
 * snapshots the server's CPU and sends {go}; child runs the measured window and sends {result}.
 */
import http from "node:http";
import { privateKeyToAccount } from "viem/accounts";
import { createSessionSigner } from "../../runtime/client/payment-signer.ts";
import { paymentDomain } from "../../runtime/core/payment.ts";
import type { KeyAgreementOffer } from "../../runtime/core/key-agreement.ts";
import type { Address } from "viem";
import type { LoadPlan, LoadResult } from "./load.ts";
import { percentile } from "./stats.ts";

type Prepared = { headers: Record<string, string | number>; body: Buffer };

function send(agent: http.Agent, url: URL, method: string, path: string, r: Prepared): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers: r.headers }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    // A request the server never answers is a failure, not a benchmark that never ends.
    req.setTimeout(30_000, () => req.destroy(new Error("no answer within 30 s")));
    req.end(r.body);
  });
}

async function prepare(plan: LoadPlan): Promise<Prepared[]> {
  const body = Buffer.from(plan.request.body);
  const base = { "content-type": "application/json", "content-length": body.length };
  if (!plan.paid) return [{ headers: base, body }];
  const p = plan.paid;
  // A fresh session key per run: the runtime recovers its authorization once (in the warm-up). Like the
  // SDK, a MAC session when the quote offers a key agreement (the bench's stream pays the quote's recipient).
  const quote = (await (await fetch(new URL("/v1/quote", plan.url))).json()) as { recipient?: Address; payment?: { keyAgreement?: KeyAgreementOffer } };
  const signer = await createSessionSigner({
    account: privateKeyToAccount(p.consumerKey), domain: paymentDomain(p.chainId, p.streamPay), streamId: BigInt(p.streamId), ttlSeconds: 3600,
    keyAgreement: quote.payment?.keyAgreement, recipient: quote.recipient,
  });
  const out: Prepared[] = [];
  const total = plan.maxRequests + plan.connections;
  for (let i = 0; i < total; i++) {
    // Proofs live 120 s: the pool is signed just before it is sent.
    out.push({ headers: { ...base, ...(await signer.headers(body, { path: plan.request.path })) }, body });
  }
  return out;
}

async function run(plan: LoadPlan, go: Promise<void>): Promise<LoadResult> {
  const url = new URL(plan.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.connections, maxFreeSockets: plan.connections });
  const pool = await prepare(plan);
  const pick = plan.paid ? (i: number) => pool[i]! : () => pool[0]!;
  const { method, path } = plan.request;
  let failures = 0;
  let non2xx = 0;
  let firstFailure: string | undefined;
  const note = (status: number | undefined, err?: unknown) => {
    if (err !== undefined) failures++;
    else non2xx++;
    firstFailure ??= err !== undefined ? String(err) : `HTTP ${status}`;
  };
  // Warm-up: one request per connection, all at once, so every socket is open before the clock starts.
  let next = 0;
  await Promise.all(Array.from({ length: plan.connections }, async () => {
    const i = next++;
    try {
      const s = await send(agent, url, method, path, pick(i));
      if (s < 200 || s >= 300) note(s);
    } catch (err) {
      note(undefined, err);
    }
  }));
  process.send!({ type: "ready" });
  await go;
  const latencies = new Float64Array(plan.maxRequests);
  let done = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + plan.durationMs;
  let last = start;
  await Promise.all(Array.from({ length: plan.connections }, async () => {
    for (;;) {
      if (performance.now() >= deadline || done >= plan.maxRequests) break;
      const slot = done++;
      // Paid: the first `connections` proofs were spent in the warm-up; each proof is sent once.
      const r = pick(plan.connections + slot);
      const t0 = performance.now();
      try {
        const s = await send(agent, url, method, path, r);
        if (s < 200 || s >= 300) note(s);
      } catch (err) {
        note(undefined, err);
      }
      last = performance.now();
      latencies[slot] = last - t0;
    }
  }));
  const elapsedMs = last - start;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  const measured = latencies.subarray(0, Math.min(done, plan.maxRequests)).sort();
  const requests = measured.length;
  let sum = 0;
  for (const v of measured) sum += v;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    requests, elapsedMs: round(elapsedMs), rps: Math.round((requests / elapsedMs) * 1000 * 10) / 10,
    p50: round(percentile(measured, 50)), p90: round(percentile(measured, 90)), p99: round(percentile(measured, 99)), max: round(measured.at(-1) ?? Number.NaN),
    mean: round(sum / Math.max(requests, 1)),
    failures, non2xx, ...(firstFailure ? { firstFailure } : {}),
    loadCpuShare: round((cpu.user + cpu.system) / 1000 / elapsedMs),
  };
}

// Orphaned (the benchmark died or was killed): stop sending load at once.
process.once("disconnect", () => process.exit(1));
let release: () => void = () => undefined;
const go = new Promise<void>((r) => (release = r));
process.on("message", (m: { type: "plan"; plan: LoadPlan } | { type: "go" }) => {
  if (m.type === "go") return release();
  run(m.plan, go).then(
    (result) => process.send!({ type: "result", result }, () => process.exit(0)),
    (err) => process.send!({ type: "error", message: String((err as Error)?.stack ?? err) }, () => process.exit(1)),
  );
});
