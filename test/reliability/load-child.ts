/**
 * The sustained-load generator process: autocannon at a fixed overall rate for a duration, each
 * request a fresh paid one signed on the fly (synchronous Ed25519 with node:crypto over the same
 * `sessionMessage` bytes the SDK signs, with a session key the parent authorized per stream).
 * Prints one `window <json>` line per window (requests, non-2xx, errors, latency p50/p99 in ms) and
 * a final `done <json>` line.
 * Usage: node --import tsx test/reliability/load-child.ts <plan.json>
 */
import { createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { bodyHashOf, paymentHeaders as H, sessionMessage, toBase64Url, type PaymentDomain } from "../../runtime/core/payment.ts";

export type LoadChildPlan = {
  url: string;
  rate: number;
  connections: number;
  durationSeconds: number;
  windowSeconds: number;
  model: string;
  domain: PaymentDomain;
  privateKeyPem: string;
  streams: Array<{ streamId: string; session: string }>;
};

export type LoadWindow = { at: number; requests: number; non2xx: number; errors: number; p50: number; p99: number; max: number };

const plan = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadChildPlan;
const key = createPrivateKey(plan.privateKeyPem);
let i = 0;
// Nonces: a random 64-bit base per run plus a counter, never reused.
const nonceBase = BigInt(Math.floor(Math.random() * 2 ** 48)) << 20n;

function paidRequest(): { body: string; headers: Record<string, string> } {
  const s = plan.streams[i % plan.streams.length]!;
  const nonce = nonceBase + BigInt(i++);
  const body = JSON.stringify({ model: plan.model, prompt: `load ${i} pay per second` });
  const bodyHash = bodyHashOf(body);
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 600);
  const streamId = BigInt(s.streamId);
  const signature = sign(null, sessionMessage(plan.domain, { streamId, nonce, bodyHash, deadline, method: "POST", path: "/v1/inference" }), key);
  return {
    body,
    headers: {
      "content-type": "application/json", [H.stream]: s.streamId, [H.nonce]: nonce.toString(), [H.deadline]: deadline.toString(),
      [H.bodyHash]: bodyHash, [H.signature]: toBase64Url(signature), [H.session]: s.session,
    },
  };
}

const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]! : 0);
let window: number[] = [];
let windowNon2xx = 0;
let windowErrors = 0;
const started = Date.now();
const instance = autocannon({
  url: plan.url,
  connections: plan.connections,
  overallRate: plan.rate,
  duration: plan.durationSeconds,
  pipelining: 1,
  timeout: 30,
  requests: [{ method: "POST", path: "/v1/inference", setupRequest: (req: Record<string, unknown>) => ({ ...req, ...paidRequest() }) }],
} as unknown as autocannon.Options) as unknown as autocannon.Instance & Promise<autocannon.Result>;
instance.on("response", (_client, statusCode, _bytes, responseTime) => {
  window.push(responseTime);
  if (statusCode < 200 || statusCode >= 300) windowNon2xx++;
});
instance.on("reqError", () => void windowErrors++);
const flush = () => {
  const sorted = window.sort((a, b) => a - b);
  const w: LoadWindow = { at: Math.round((Date.now() - started) / 1000), requests: sorted.length, non2xx: windowNon2xx, errors: windowErrors, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), max: sorted.at(-1) ?? 0 };
  process.stdout.write(`window ${JSON.stringify(w)}\n`);
  window = [];
  windowNon2xx = 0;
  windowErrors = 0;
};
const timer = setInterval(flush, plan.windowSeconds * 1000);
const result = await instance;
clearInterval(timer);
if (window.length > 0) flush();
process.stdout.write(`done ${JSON.stringify({
  requests: result.requests.total, rps: result.requests.average, non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts,
  latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
})}\n`);
