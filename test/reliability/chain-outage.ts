/**
 * The chain node stops in the middle of a run (anvil is terminated; it writes its state file on the
 * way out) and comes back on the same port from that file. While it is down, the runtime must refuse
 * every stream it cannot verify with CHAIN_UNAVAILABLE (503), log each refusal, report itself
 * unhealthy, and stay up; a stream it verified before the outage is still served from its cache (the
 * choice the runtime makes; written down in test/reliability/README.md). Once the node is back, the
 * runtime is healthy again, serves the stream it refused, and its watcher catches up with what
 * happens on chain.
 */
import { createSessionSigner } from "../../runtime/client/payment-signer.ts";
import type { ReliabilityMarket } from "./market.ts";
import { waitFor } from "./market.ts";
import { buildPaid, sendPaid, type PaidOutcome } from "./paid.ts";

export type OutageReport = {
  outageMs: number;
  /** Requests on streams the runtime had never verified, during the outage: all must be 503 CHAIN_UNAVAILABLE. */
  unverifiable: { sent: number; refusedRight: number; other: string[]; latencyMs: { p50: number; max: number } };
  /** Requests on a stream verified before the outage, during it. */
  cached: { sent: number; served: number; other: string[] };
  healthDuring: number[];
  rejectionsLogged: number;
  eventsAppendedDuringOutage: number;
  recoveredAfterMs: number;
  servedAfter: number;
  caughtUp: boolean;
  logVerifies: boolean;
  failures: string[];
};

/**
 * @example
 * const r = await runChainOutage(m, { model: "echo-1", price: 1_000_000n, outageMs: 3_000 });
 */
export async function runChainOutage(m: ReliabilityMarket, o: { model: string; price: bigint; outageMs: number }): Promise<OutageReport> {
  const failures: string[] = [];
  const providerId = m.runtime.offerings.find((x) => x.model === o.model)!.providerId;
  const owner = m.account(5);
  const open = async () => {
    const { streamId } = await m.openStream(owner, { deposit: o.price * 100_000n, duration: 100_000n, providerId });
    return { streamId, signer: await createSessionSigner({ account: owner, domain: m.domain, streamId, ttlSeconds: 86_400 }) };
  };
  const known = await open();
  const fresh = await open();
  const toCancel = await open();
  const request = async (s: { streamId: bigint; signer: Awaited<ReturnType<typeof open>>["signer"] }, tag: string): Promise<PaidOutcome> =>
    sendPaid(m.runtime.url, await buildPaid(s.signer, s.streamId, "inference", `outage ${tag} ${Math.random()}`, o.model));
  const first = await request(known, "before");
  if (first.status !== 200) failures.push(`the known stream was not served before the outage: ${first.status} ${first.code}`);
  const before = m.withLog((s) => s.lastPosition());

  await m.stopChain();
  const report: OutageReport = {
    outageMs: o.outageMs, unverifiable: { sent: 0, refusedRight: 0, other: [], latencyMs: { p50: 0, max: 0 } }, cached: { sent: 0, served: 0, other: [] }, healthDuring: [],
    rejectionsLogged: 0, eventsAppendedDuringOutage: 0, recoveredAfterMs: 0, servedAfter: 0, caughtUp: false, logVerifies: false, failures,
  };
  const unknownId = { streamId: 987_654_321n, signer: await createSessionSigner({ account: owner, domain: m.domain, streamId: 987_654_321n }) };
  const t0 = Date.now();
  let i = 0;
  const latencies: number[] = [];
  while (Date.now() - t0 < o.outageMs) {
    const tag = `down ${i}`;
    const refusals = [fresh, unknownId].map(async (s) => {
      const start = performance.now();
      const out = await request(s, tag);
      latencies.push(performance.now() - start);
      report.unverifiable.sent++;
      if (out.status === 503 && out.code === "CHAIN_UNAVAILABLE") report.unverifiable.refusedRight++;
      else report.unverifiable.other.push(`${out.status} ${out.code}`);
    });
    const cached = request(known, tag).then((out) => {
      report.cached.sent++;
      if (out.status === 200) report.cached.served++;
      else report.cached.other.push(`${out.status} ${out.code}`);
    });
    const health = i % 3 === 0 ? fetch(`${m.runtime.url}/health`).then((r) => void report.healthDuring.push(r.status)) : undefined;
    await Promise.all([...refusals, cached, health]);
    i++;
  }
  latencies.sort((a, b) => a - b);
  report.unverifiable.latencyMs = { p50: Math.round(latencies[Math.floor(latencies.length / 2)] ?? 0), max: Math.round(latencies.at(-1) ?? 0) };
  // A rejection is appended by the runtime's group commit just after its answer: give the last ones a moment.
  const rejections = () => m.readLog(before + 1).filter((e) => e.type === "JobRejected" && e.data.code === "CHAIN_UNAVAILABLE").length;
  const during = m.readLog(before + 1);
  report.eventsAppendedDuringOutage = during.length;
  report.rejectionsLogged = rejections();
  if (report.unverifiable.other.length) failures.push(`streams it could not verify got ${[...new Set(report.unverifiable.other)].join(", ")} instead of 503 CHAIN_UNAVAILABLE`);
  // A stream that cannot be verified is an anonymous request: counted, never an event (issue 13).
  if (report.rejectionsLogged !== 0) failures.push(`${report.rejectionsLogged} CHAIN_UNAVAILABLE refusals of unverified streams were logged`);
  if (report.healthDuring.some((s) => s !== 503)) failures.push(`/health during the outage answered ${report.healthDuring.join(",")} (expected 503)`);

  const back = Date.now();
  await m.restartChain();
  await waitFor(async () => ((await fetch(`${m.runtime.url}/health`)).status === 200 ? true : undefined), 30_000, "the runtime to report healthy after the node came back").catch((e: Error) => failures.push(e.message));
  report.recoveredAfterMs = Date.now() - back;
  for (const s of [fresh, known]) {
    const out = await request(s, "after");
    if (out.status === 200) report.servedAfter++;
    else failures.push(`stream ${s.streamId} after the node came back: ${out.status} ${out.code}`);
  }
  // The watcher catches up with what happens on chain after the outage.
  const later = await open();
  await m.cancelStream(owner, toCancel.streamId);
  report.caughtUp = await waitFor(() => {
    const types = new Set(m.readLog(before + 1).map((e) => `${e.type}:${(e.data as { streamId?: bigint }).streamId}`));
    return types.has(`StreamOpened:${later.streamId}`) && types.has(`StreamCancelled:${toCancel.streamId}`) ? true : undefined;
  }, 20_000, "the watcher to log the events after the outage").catch((e: Error) => {
    failures.push(e.message);
    return false;
  });
  report.logVerifies = m.withLog((s) => s.verify().ok);
  if (!report.logVerifies) failures.push("the log's hash chain does not verify after the outage");
  return report;
}
