/**
 * Backend faults through the fake servers of plugins/testing (real wire formats): a 5xx, no answer
 * past the timeout, a stall after the first token, a disconnect mid-stream, a malformed chunk, an
 * error inside the stream. For each, on the non-streaming and the SSE route: the job fails with a
 * BACKEND_* code, the consumer is billed by the rule of runtime/core/billing.ts (nothing when
 * the backend failed before its first chunk; after it, up to the last chunk delivered — never for
 * the silence of a stall — and the non-streaming answer is that partial output, finish_reason
 * "error"), and the runtime keeps serving: a good request right after is answered.
 */
import type { FakeMode, FakeServer } from "../../plugins/testing/fake-server.ts";
import { startFakeOllama } from "../../plugins/testing/fake-ollama.ts";
import { startFakeOpenAI } from "../../plugins/testing/fake-openai.ts";
import { startFakeTGI } from "../../plugins/testing/fake-tgi.ts";
import type { StoredEvent } from "../../runtime/core/events.ts";
import type { PaymentSigner } from "../../runtime/client/payment-signer.ts";
import type { ReliabilityMarket } from "./market.ts";
import { waitFor } from "./market.ts";
import { buildPaid, type PaidRoute } from "./paid.ts";

export const faultTimeouts = { timeoutMs: 1_500, idleTimeoutMs: 700 };

export type Fakes = { openai: FakeServer; ollama: FakeServer; tgi: FakeServer; close(): Promise<void> };

export async function startFakes(): Promise<Fakes> {
  const [openai, ollama, tgi] = await Promise.all([startFakeOpenAI("openai"), startFakeOllama(), startFakeTGI()]);
  return { openai, ollama, tgi, close: async () => void (await Promise.all([openai.close(), ollama.close(), tgi.close()])) };
}

/** Offerings served by the fakes (one retry, short timeouts, so failures surface quickly). */
export function fakeOfferings(f: Fakes, price: bigint) {
  const http = { ...faultTimeouts, retries: 1, retryBaseMs: 20 };
  return [
    { model: "fake-openai", backend: "openai", options: { baseUrl: `${f.openai.url}/v1`, ...http }, pricePerSecond: price },
    { model: "fake-ollama", backend: "ollama", options: { baseUrl: f.ollama.url, ...http }, pricePerSecond: price },
    { model: "fake-tgi", backend: "tgi", options: { baseUrl: f.tgi.url, ...http }, pricePerSecond: price },
  ];
}

/** The failures, and whether the backend had delivered a chunk before failing. */
export const faultModes: Array<{ mode: FakeMode; afterFirstChunk: boolean }> = [
  { mode: "upstream", afterFirstChunk: false },
  { mode: "stall-headers", afterFirstChunk: false },
  { mode: "stall", afterFirstChunk: true },
  { mode: "truncated", afterFirstChunk: true },
  { mode: "malformed", afterFirstChunk: true },
  { mode: "stream-error", afterFirstChunk: true },
];

export type FaultRow = {
  backend: string; mode: FakeMode; route: PaidRoute; status: number; code: string; wallMs: number;
  meteredMs: number; cost: bigint; recoveredStatus: number; problems: string[];
};

async function send(url: string, req: { path: string; body: string; headers: Record<string, string> }) {
  const t0 = performance.now();
  const res = await fetch(`${url}${req.path}`, { method: "POST", body: req.body, headers: req.headers });
  const text = await res.text();
  return { status: res.status, jobId: res.headers.get("x-claw-job") ?? "", text, wallMs: performance.now() - t0 };
}

/**
 * @example
 * const rows = await runBackendFaults(m, fakes, { streams: { "fake-openai": { streamId, signer }, ... }, price });
 */
export async function runBackendFaults(
  m: ReliabilityMarket,
  fakes: Fakes,
  o: { streams: Record<string, { streamId: bigint; signer: PaymentSigner }>; price: bigint; repeats?: number },
): Promise<FaultRow[]> {
  const backends: Array<[string, FakeServer]> = [["fake-openai", fakes.openai], ["fake-ollama", fakes.ollama], ["fake-tgi", fakes.tgi]];
  const ended = (jobId: string) => waitFor(() => {
    const e = m.readLog().find((x) => (x.type === "JobFailed" || x.type === "JobCompleted") && x.data.jobId === jobId);
    return e as StoredEvent<"JobFailed"> | StoredEvent<"JobCompleted"> | undefined;
  }, 10_000, `the end of job ${jobId}`);

  // Backends run in parallel (each fake has its own mode); faults on one backend run one at a time.
  const perBackend = backends.map(async ([model, fake]) => {
    const rows: FaultRow[] = [];
    const { signer, streamId } = o.streams[model]!;
    for (let r = 0; r < (o.repeats ?? 1); r++) {
      for (const { mode, afterFirstChunk } of faultModes) {
        for (const route of ["chat", "chat-sse"] as const) {
          fake.setMode(mode);
          const req = await buildPaid(signer, streamId, route, `fault ${mode} ${r}`, model);
          const got = await send(m.runtime.url, req);
          fake.setMode("ok");
          const problems: string[] = [];
          const end = got.jobId ? await ended(got.jobId) : undefined;
          const failed = end?.type === "JobFailed" ? end.data : undefined;
          if (!failed) problems.push(`expected a JobFailed, got ${end?.type ?? "no job"} (${got.status} ${got.text.slice(0, 160)})`);
          const meteredMs = Number(failed?.meteredMs ?? -1n);
          const cost = failed?.cost ?? -1n;
          if (failed) {
            if (!failed.code.startsWith("BACKEND_")) problems.push(`code ${failed.code} is not a BACKEND_* code`);
            if (cost !== (failed.meteredMs * o.price) / 1000n) problems.push(`cost ${cost} is not floor(${meteredMs} ms × price / 1000)`);
            if (!afterFirstChunk && cost !== 0n) problems.push(`billed ${cost} wei although the backend failed before its first chunk`);
            // Billed up to the last delivered chunk, never for the silence that the idle timeout ended.
            if (mode === "stall" && meteredMs > got.wallMs - faultTimeouts.idleTimeoutMs + 5) problems.push(`billed ${meteredMs} ms of a ${got.wallMs.toFixed(0)} ms request that stalled ${faultTimeouts.idleTimeoutMs} ms`);
          }
          const sseOpened = route === "chat-sse" && got.status === 200;
          if (route === "chat" && afterFirstChunk) {
            // Pay only for what was received: the partial answer (200, finish_reason "error"), billed exactly for it.
            const body = got.status === 200 ? (JSON.parse(got.text) as { choices?: Array<{ finish_reason?: string }>; claw?: { cost: string; partial?: { code: string } } }) : undefined;
            if (body?.choices?.[0]?.finish_reason !== "error" || !body.claw?.partial) problems.push(`answered ${got.status} ${got.text.slice(0, 160)}, expected the partial answer with finish_reason "error"`);
            else if (BigInt(body.claw.cost) !== cost) problems.push(`told ${body.claw.cost} wei, billed ${cost}`);
          } else if (!sseOpened && got.status < 500) problems.push(`answered ${got.status}, expected a 5xx`);
          if (sseOpened && !got.text.includes('"error"')) problems.push("the SSE stream did not end with an error event");
          const ok = await send(m.runtime.url, await buildPaid(signer, streamId, route, `after ${mode} ${r}`, model));
          if (ok.status !== 200) problems.push(`the next good request got ${ok.status} ${ok.text.slice(0, 160)}`);
          rows.push({ backend: model, mode, route, status: got.status, code: failed?.code ?? "-", wallMs: got.wallMs, meteredMs, cost, recoveredStatus: ok.status, problems });
        }
      }
    }
    return rows;
  });
  return (await Promise.all(perBackend)).flat();
}
