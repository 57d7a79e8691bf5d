/**
 * Crash recovery: the runtime (its own process) is SIGKILLed at random moments while consumers
 * have paid requests in flight — and, in every fourth round, while it is still starting up — then
 * restarted on the same log. Between kills the chain moves on (streams opened and cancelled while
 * the runtime is down), and streams retired by the consumers settle (so kills also land mid-
 * settlement). crash-check.ts holds the log to the promises after each kill and each restart.
 */
import type { PrivateKeyAccount } from "viem/accounts";
import { createSessionSigner, type PaymentSigner } from "../../runtime/client/payment-signer.ts";
import { checkAfterKill, checkAfterRestart, openJobs, type Receipt } from "./crash-check.ts";
import type { ReliabilityMarket } from "./market.ts";
import { buildPaid, paidRoutes, sendPaid } from "./paid.ts";
import { seededRandom } from "./random.ts";

export type CrashRound = {
  round: number;
  mode: "under-load" | "startup";
  killedAfterMs: number;
  answered: number;
  refused: number;
  cut: number;
  openAtKill: number;
  recoveredFailed: number;
  events: number;
};

export type CrashReport = {
  rounds: CrashRound[];
  receipts: number;
  streams: number;
  /** Jobs whose JobCompleted is in the log but whose answer never reached the consumer (killed mid-reply). */
  completedWithoutReceipt: number;
  failures: string[];
};

type Stream = { streamId: bigint; owner: PrivateKeyAccount; signer: PaymentSigner; retired: boolean };

/**
 * @example
 * const report = await runCrashRounds(m, { rounds: 20, model: "echo-1", price: 1_000_000n });
 */
export async function runCrashRounds(
  m: ReliabilityMarket,
  o: { rounds: number; model: string; price: bigint; seed?: number; workers?: number; poolSize?: number; progress?: (line: string) => void },
): Promise<CrashReport> {
  const rand = seededRandom(o.seed ?? 7);
  const failures: string[] = [];
  const receipts = new Map<string, Receipt>();
  const rounds: CrashRound[] = [];
  const streams: Stream[] = [];
  const fromBlock = m.deployed.blockNumber;
  let providerId = m.runtime.offerings.find((x) => x.model === o.model)!.providerId;
  let consumerIndex = 0;
  let lastMined = await m.publicClient.getBlockNumber();

  async function openOne(): Promise<Stream> {
    const owner = m.account(2 + (consumerIndex++ % 8));
    const s = await m.openStream(owner, { deposit: o.price * 100_000n, duration: 100_000n, providerId });
    if (s.block > lastMined) lastMined = s.block;
    const stream = { streamId: s.streamId, owner, signer: await createSessionSigner({ account: owner, domain: m.domain, streamId: s.streamId, ttlSeconds: 86_400 }), retired: false };
    streams.push(stream);
    return stream;
  }
  const pool = () => streams.filter((s) => !s.retired);
  while (pool().length < (o.poolSize ?? 4)) await openOne();

  for (let round = 1; round <= o.rounds; round++) {
    const startup = round % 4 === 3;
    let cut = 0;
    let answered = 0;
    let refused = 0;
    let killedAfterMs = 0;
    if (startup) {
      // Killed at any moment of its start: loading, opening the log, registering, catching up.
      await m.runtime.kill();
      const at = Math.floor(rand() * 4_000);
      const t0 = Date.now();
      const started = m.startRuntime({ onSpawn: (child) => void setTimeout(() => child.kill("SIGKILL"), at) });
      const rt = await started.catch(() => undefined);
      if (rt) await rt.kill(); // it was faster than the timer: kill it now
      killedAfterMs = Date.now() - t0;
    } else {
      // Retire a stream now and then: it goes idle and the runtime settles it, maybe as the kill lands.
      if (rand() < 0.5) {
        const victim = pool()[Math.floor(rand() * pool().length)]!;
        victim.retired = true;
        await openOne();
      }
      let stopped = false;
      const worker = async () => {
        while (!stopped) {
          const live = pool();
          const s = live[Math.floor(rand() * live.length)]!;
          const req = await buildPaid(s.signer, s.streamId, paidRoutes[Math.floor(rand() * paidRoutes.length)]!, `crash round ${round} ${Math.floor(rand() * 1e9)} a b c d`, o.model);
          try {
            const out = await sendPaid(m.runtime.url, req);
            if (out.status === 200 && out.jobId) {
              answered++;
              receipts.set(out.jobId, { jobId: out.jobId, streamId: s.streamId, cost: out.cost!, meteredMs: out.meteredMs! });
            } else {
              refused++;
              if (!stopped) failures.push(`round ${round}: a paid request on stream ${s.streamId} was refused: ${out.status} ${out.code ?? out.text.slice(0, 120)}`);
            }
          } catch {
            cut++;
          }
        }
      };
      const workers = Array.from({ length: o.workers ?? 8 }, worker);
      killedAfterMs = 150 + Math.floor(rand() * 2_500);
      await new Promise((r) => setTimeout(r, killedAfterMs));
      stopped = true; // no new requests: those in flight now are cut by the kill
      await m.runtime.kill();
      await Promise.all(workers);
    }
    failures.push(...checkAfterKill(m, receipts).map((f) => `round ${round} after the kill: ${f}`));
    const open = openJobs(m);

    // The chain moves on while the runtime is down.
    if (rand() < 0.5) await openOne();
    if (rand() < 0.3 && pool().length > 2) {
      const victim = pool()[0]!;
      victim.retired = true;
      const r = await m.cancelStream(victim.owner, victim.streamId);
      if (r.blockNumber > lastMined) lastMined = r.blockNumber;
    }
    lastMined = await m.publicClient.getBlockNumber();

    const rt = await m.startRuntime();
    providerId = rt.offerings.find((x) => x.model === o.model)!.providerId;
    const facts = await checkAfterRestart(m, open, fromBlock, lastMined);
    failures.push(...facts.failures.map((f) => `round ${round} after the restart: ${f}`));
    const events = m.withLog((s) => s.lastPosition());
    rounds.push({ round, mode: startup ? "startup" : "under-load", killedAfterMs, answered, refused, cut, openAtKill: open.size, recoveredFailed: facts.recoveredFailed, events });
    o.progress?.(`crash round ${round}/${o.rounds} (${startup ? "startup" : "under load"}): killed after ${killedAfterMs} ms, ${answered} answered, ${cut} cut, ${open.size} jobs open at the kill, ${facts.failures.length} problems`);
  }

  const completed = m.readLog().filter((e) => e.type === "JobCompleted").length;
  return { rounds, receipts: receipts.size, streams: streams.length, completedWithoutReceipt: completed - receipts.size, failures };
}

/**
 * Waits until every stream that served a job is settled or cancelled (the runtime settles idle
 * streams), so that `claw audit` can compare final amounts.
 */
export async function waitAllClosed(m: ReliabilityMarket, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const events = m.readLog();
    const closed = new Set(events.filter((e) => e.type === "StreamSettled" || e.type === "StreamCancelled").map((e) => (e.data as { streamId: bigint }).streamId));
    const served = new Set(events.filter((e) => e.type === "JobAccepted").map((e) => (e.data as { streamId: bigint }).streamId));
    const open = [...served].filter((id) => !closed.has(id));
    if (open.length === 0) return;
    if (Date.now() > until) throw new Error(`streams still open after ${ms} ms: ${open.join(", ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
