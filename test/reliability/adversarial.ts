/**
 * The adversarial generator: `total` requests against a running runtime, most of them wrong in one
 * way each (adversarial-cases.ts), interleaved at random with real paid requests, sent by
 * `concurrency` workers. Halfway, the runtime is restarted (graceful stop, start on the same log and
 * port) so that nonces used before the restart are replayed after it. Returns what every request
 * got back; adversarial-check.ts then holds the answers against the log and the chain.
 */
import { badCases, freshBody, type BadCase, type CaseContext, type HttpRequest, type SentPaid } from "./adversarial-cases.ts";
import type { Fixtures } from "./adversarial-fixtures.ts";
import type { ReliabilityMarket } from "./market.ts";
import { buildPaid, paidRoutes, sendPaid, type PaidOutcome, type PaidRequest } from "./paid.ts";
import { rawRequest } from "./raw-http.ts";
import { seededRandom } from "./random.ts";

export type BadOutcome = { kind: string; status: number; code: string | undefined; expected: BadCase["expect"]; ok: boolean; ms: number };
export type PaidRecord = { req: PaidRequest; out: PaidOutcome; ms: number };

export type AdversarialRun = {
  total: number;
  bad: BadOutcome[];
  paid: PaidRecord[];
  /** Log position before the first generated request (events after it belong to this run). */
  fromPosition: number;
  restarts: number;
  healthChecks: number;
  unhealthy: string[];
  wallMs: number;
};

export type AdversarialOptions = {
  total: number;
  /** Share of paid requests (default 0.2). */
  paidShare?: number;
  concurrency?: number;
  seed?: number;
  bodyLimitBytes: number;
  /** Restart the runtime after this share of the requests (default 0.5; 0 = never). */
  restartAt?: number;
  progress?: (line: string) => void;
};

async function sendBad(url: string, req: HttpRequest): Promise<{ status: number; code: string | undefined }> {
  if (req.via === "raw") {
    const r = await rawRequest(url, req.bytes);
    return { status: r.status, code: codeOf(r.body) };
  }
  const res = await fetch(`${url}${req.path}`, { method: "POST", body: req.body, headers: req.headers });
  return { status: res.status, code: codeOf(await res.text()) };
}

function codeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const run = await runAdversarial(m, fx, { total: 10_000, bodyLimitBytes: 4096 });
 */
export async function runAdversarial(m: ReliabilityMarket, fx: Fixtures, o: AdversarialOptions): Promise<AdversarialRun> {
  const rand = seededRandom(o.seed ?? 1);
  const paidShare = o.paidShare ?? 0.2;
  const weights = badCases.map((c) => c.weight ?? 1);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const pickCase = (): BadCase => {
    let r = rand() * weightSum;
    for (let i = 0; i < badCases.length; i++) if ((r -= weights[i]!) <= 0) return badCases[i]!;
    return badCases.at(-1)!;
  };
  const ctx: CaseContext = { fx, host: new URL(m.runtime.url).host, rand, served: [], servedBeforeRestart: [], bodyLimitBytes: o.bodyLimitBytes };
  const run: AdversarialRun = { total: 0, bad: [], paid: [], fromPosition: m.withLog((s) => s.lastPosition()), restarts: 0, healthChecks: 0, unhealthy: [], wallMs: 0 };
  const t0 = performance.now();

  async function paidOne(): Promise<void> {
    const stream = fx.paid[Math.floor(rand() * fx.paid.length)]!;
    const route = paidRoutes[Math.floor(rand() * paidRoutes.length)]!;
    const signer = rand() < 0.1 ? stream.direct : stream.session;
    const req = await buildPaid(signer, stream.streamId, route, JSON.parse(freshBody(ctx)).prompt as string, "echo-1");
    const start = performance.now();
    const out = await sendPaid(m.runtime.url, req);
    run.paid.push({ req, out, ms: performance.now() - start });
    if (out.status === 200) ctx.served.push({ path: req.path, body: req.body, headers: req.headers } satisfies SentPaid);
  }

  async function badOne(): Promise<void> {
    const c = ctx.served.length === 0 ? badCases[0]! : pickCase();
    const req = await c.build(ctx);
    const start = performance.now();
    const got = await sendBad(m.runtime.url, req);
    const ok = got.status === c.expect.status && got.code !== undefined && c.expect.codes.includes(got.code);
    run.bad.push({ kind: c.kind, status: got.status, code: got.code, expected: c.expect, ok, ms: performance.now() - start });
  }

  async function health(): Promise<void> {
    run.healthChecks++;
    const res = await fetch(`${m.runtime.url}/health`);
    if (res.status !== 200) run.unhealthy.push(`${res.status} ${await res.text()}`);
  }

  async function phase(count: number): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const n = ++run.total;
        if (i % 500 === 0) await health();
        if (rand() < paidShare || ctx.served.length === 0) await paidOne();
        else await badOne();
        if (n % 2000 === 0) o.progress?.(`adversarial: ${n}/${o.total} sent, ${run.bad.filter((b) => !b.ok).length} wrong answers so far`);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency ?? 16 }, worker));
  }

  const restartAt = o.restartAt ?? 0.5;
  const first = restartAt > 0 ? Math.floor(o.total * restartAt) : o.total;
  await phase(first);
  if (first < o.total) {
    await m.runtime.stop();
    await m.startRuntime();
    run.restarts++;
    ctx.servedBeforeRestart = ctx.served;
    ctx.served = [];
    await phase(o.total - first);
  }
  await health();
  run.wallMs = performance.now() - t0;
  return run;
}
