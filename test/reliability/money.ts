/**
 * The money scenarios of issue 12, repeated: who loses what, in wei, when jobs run in parallel, a
 * consumer cancels at once, a job comes late on a short stream, or the runtime is killed mid-answer.
 * Reports the worst provider shortfall (metered − paid to the provider), the worst consumer
 * overcharge on streams the runtime settled (paid − metered), the most jobs one rate = price stream
 * ran at once, and the delivered-but-unbilled milliseconds per crash.
 *
 * "Delivered" at a crash is what the consumer received: echo at `tps` tokens/s sends token i at
 * i × 1000 / tps ms after the job's start or later, so k tokens received means at least
 * (k − 1) × 1000 / tps ms delivered; unbilled = that − the billed (durable progress) ms.
 */
import { createSessionSigner } from "../../runtime/client/payment-signer.ts";
import type { StoredEvent } from "../../runtime/core/events.ts";
import type { ReliabilityMarket } from "./market.ts";
import { waitFor } from "./market.ts";

export const moneyTps = 10;
export const moneyOfferings = (price: bigint) => [{ model: "echo-money", backend: "echo", options: { tokensPerSecond: moneyTps }, pricePerSecond: price, concurrency: 8 }];
export const moneySettlement = { idleSeconds: 2, minJobMs: 100, endMarginSeconds: 5, progressMs: 200 };

export type MoneyRow = { scenario: string; streamId: string; metered: bigint; paid: bigint; shortfall: bigint; overcharge: bigint; bound?: bigint; maxParallel?: number; settledBeforeEnd?: boolean; unbilledMs?: number };
export type MoneyReport = { rows: MoneyRow[]; failures: string[] };

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

/**
 * @example
 * const r = await runMoneyScenarios(m, { price: 1_000_000n, rounds: 2 }); // m serves moneyOfferings, moneySettlement
 */
export async function runMoneyScenarios(m: ReliabilityMarket, o: { price: bigint; rounds: number; progress?: (line: string) => void }): Promise<MoneyReport> {
  const rows: MoneyRow[] = [];
  const failures: string[] = [];
  const price = o.price;
  const consumer = m.account(6);
  const pid = () => m.runtime.offerings[0]!.providerId;
  const ofStream = (id: bigint) => m.readLog().filter((e) => (e.data as { streamId?: bigint }).streamId === id);
  const ended = (id: bigint) => ofStream(id).filter((e): e is StoredEvent<"JobCompleted"> | StoredEvent<"JobFailed"> => e.type === "JobCompleted" || e.type === "JobFailed");
  const metered = (id: bigint) => ended(id).reduce((s, e) => s + e.data.cost, 0n);
  const open = async (deposit: bigint, duration: bigint) => {
    const s = await m.openStream(consumer, { deposit, duration, providerId: pid() });
    const start = (await m.publicClient.getBlock({ blockNumber: s.block })).timestamp;
    return { ...s, start, signer: await createSessionSigner({ account: consumer, domain: m.domain, streamId: s.streamId, ttlSeconds: 3600 }) };
  };
  const answers: string[] = [];
  const ask = async (s: Awaited<ReturnType<typeof open>>, prompt: string) => {
    const body = JSON.stringify({ model: "echo-money", prompt });
    const res = await fetch(`${m.runtime.url}/v1/inference`, { method: "POST", body, headers: { "content-type": "application/json", ...(await s.signer.headers(body, { path: "/v1/inference" })) } });
    const text = await res.text();
    if (res.status !== 200) answers.push(`stream ${s.streamId}: ${res.status} ${text.slice(0, 200)}`);
    return res.status;
  };
  const maxParallel = (id: bigint) => {
    const started = new Map(ofStream(id).filter((e) => e.type === "JobStarted").map((e) => [(e.data as { jobId: string }).jobId, e.time]));
    const runs = ended(id).filter((e) => started.has(e.data.jobId)).map((e) => [started.get(e.data.jobId)!, e.time] as const);
    return Math.max(0, ...runs.map(([s]) => runs.filter(([a, b]) => a <= s && s < b).length));
  };
  const closedOf = (id: bigint) => waitFor(() => ofStream(id).find((e) => e.type === "StreamSettled" || e.type === "StreamCancelled"), 60_000, `stream ${id} settled or cancelled`);
  const allEnded = (id: bigint) => waitFor(() => (ofStream(id).filter((e) => e.type === "JobAccepted").length === ended(id).length ? true : undefined), 20_000, `every job of stream ${id} ended`);

  for (let round = 0; round < o.rounds; round++) {
    o.progress?.(`money round ${round + 1}/${o.rounds}`);
    // 1. 8 parallel jobs on a rate = price stream, settled by the runtime.
    {
      const s = await open(price * 120n, 120n);
      const statuses = await Promise.all(Array.from({ length: 8 }, () => ask(s, words(8))));
      if (statuses.some((x) => x !== 200)) failures.push(`parallel: answered ${statuses.join(",")}`);
      const closed = await closedOf(s.streamId);
      const total = metered(s.streamId);
      const paid = closed.type === "StreamSettled" ? closed.data.earned : 0n;
      rows.push({ scenario: "parallel, settled", streamId: `${s.streamId}`, metered: total, paid, shortfall: total - paid, overcharge: paid - total, maxParallel: maxParallel(s.streamId) });
    }
    // 2. the same, and the consumer cancels as soon as one job is done.
    {
      const s = await open(price * 600n, 600n);
      const answers = Promise.all(Array.from({ length: 8 }, () => ask(s, words(8))));
      await waitFor(() => (ended(s.streamId).length > 0 ? true : undefined), 20_000, "a first job");
      const receipt = await m.cancelStream(consumer, s.streamId);
      await answers;
      const closed = await closedOf(s.streamId);
      await allEnded(s.streamId);
      const total = metered(s.streamId);
      const paid = closed.type === "StreamCancelled" ? closed.data.recipientAmount : closed.type === "StreamSettled" ? closed.data.earned : 0n;
      const cancelMs = Number((await m.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp) * 1000;
      const stopMs = Math.max(0, ...ended(s.streamId).map((e) => e.time - cancelMs));
      const bound = (price * BigInt(1_000 + stopMs)) / 1000n + 8n;
      if (total - paid > bound) failures.push(`cancel: stream ${s.streamId} short ${total - paid} wei > bound ${bound}`);
      // A cancel pays by time (the consumer's choice), so "overcharge" there is not the runtime's doing: not counted.
      rows.push({ scenario: "parallel, consumer cancels", streamId: `${s.streamId}`, metered: total, paid, shortfall: total - paid, overcharge: 0n, bound, maxParallel: maxParallel(s.streamId) });
    }
    // 3. a late job on a 12-second stream: settled before the end, the rest refunded.
    {
      const s = await open(price * 12n, 12n);
      await new Promise((r) => setTimeout(r, Math.max(0, Number(s.start) * 1000 + 4_000 - Date.now())));
      const status = await ask(s, words(60));
      if (status !== 200 && !answers.at(-1)?.includes("STREAM_ENDING")) {
        failures.push(`late job: ${answers.at(-1)}`);
        continue;
      }
      const closed = await closedOf(s.streamId).catch((e: Error) => {
        throw new Error(`${e.message}; late job answered ${status}; refusals: ${answers.join(" | ")}`);
      });
      const total = metered(s.streamId);
      const paid = closed.type === "StreamSettled" ? closed.data.earned : closed.type === "StreamCancelled" ? closed.data.recipientAmount : 0n;
      const ts = (await m.publicClient.getBlock({ blockNumber: closed.data.chain.blockNumber })).timestamp;
      const before = closed.type === "StreamSettled" && ts < s.start + 12n;
      if (!before) failures.push(`late job: stream ${s.streamId} closed by ${closed.type} at ${ts}, end ${s.start + 12n}`);
      rows.push({ scenario: "late job, short stream", streamId: `${s.streamId}`, metered: total, paid, shortfall: total - paid, overcharge: paid - total, settledBeforeEnd: before });
    }
    // 4. kill -9 in the middle of a streamed answer, then restart.
    {
      const s = await open(price * 600n, 600n);
      const body = JSON.stringify({ model: "echo-money", stream: true, messages: [{ role: "user", content: words(60) }] });
      const res = await fetch(`${m.runtime.url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json", ...(await s.signer.headers(body, { path: "/v1/chat/completions" })) } });
      const reader = res.body!.getReader();
      let seen = "";
      const stopAt = `w${10 + ((round * 7) % 20)}`;
      while (!seen.includes(stopAt)) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += new TextDecoder().decode(value);
      }
      await m.runtime.kill();
      await reader.cancel().catch(() => undefined);
      const received = (seen.match(/"content":"[^"]/g) ?? []).length;
      await m.startRuntime();
      const closed = await closedOf(s.streamId);
      const total = metered(s.streamId);
      const [failed] = ended(s.streamId);
      const billedMs = Number(failed?.data.meteredMs ?? 0n);
      const unbilledMs = Math.max(0, ((received - 1) * 1000) / moneyTps - billedMs);
      const paid = closed.type === "StreamSettled" ? closed.data.earned : 0n;
      if (!failed || failed.type !== "JobFailed" || failed.data.code !== "JOB_INTERRUPTED") failures.push(`crash: stream ${s.streamId} job ended as ${failed?.type ?? "nothing"}`);
      rows.push({ scenario: "kill -9 mid-answer", streamId: `${s.streamId}`, metered: total, paid, shortfall: total - paid, overcharge: paid - total, unbilledMs });
    }
  }
  return { rows, failures };
}

/** The figures for the README table. */
export function summarizeMoney(r: MoneyReport) {
  const worst = r.rows.reduce((w, x) => (x.shortfall > w.shortfall ? x : w), r.rows[0]!);
  const overcharge = r.rows.reduce((w, x) => (x.overcharge > w ? x.overcharge : w), 0n);
  const crashes = r.rows.filter((x) => x.unbilledMs !== undefined).map((x) => x.unbilledMs!);
  const parallel = Math.max(...r.rows.filter((x) => x.scenario === "parallel, settled").map((x) => x.maxParallel ?? 0));
  const pct = worst.metered > 0n ? Number((worst.shortfall * 10_000n) / worst.metered) / 100 : 0;
  return {
    worstShortfall: worst.shortfall > 0n ? worst.shortfall : 0n, worstShortfallPct: worst.shortfall > 0n ? pct : 0, worstShortfallScenario: worst.scenario, worstShortfallBound: worst.bound,
    worstOvercharge: overcharge, maxUnbilledMsPerCrash: Math.max(0, ...crashes), crashes: crashes.length, maxParallelOnRateEqualsPrice: parallel,
  };
}
