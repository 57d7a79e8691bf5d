/**
 * Holds an adversarial run against the runtime's log and the chain:
 *  - every bad request got its expected status and code, and none was served (no 2xx, no JobAccepted);
 *  - the log holds exactly one JobRejected per refusal of a verified stream (proof checked as the
 *    sender's: a replayed nonce, no budget, a busy stream), code for code, and none for anonymous ones;
 *  - every paid request was served, its receipt's cost is floor(meteredMs × price / 1000), the log's
 *    JobCompleted says the same, and once settled each stream was charged exactly the sum of its
 *    receipts on chain (withdrawn) and refunded the rest.
 */
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import type { StoredEvent } from "../../runtime/core/events.ts";
import type { AdversarialRun } from "./adversarial.ts";
import type { Fixtures } from "./adversarial-fixtures.ts";
import type { ReliabilityMarket } from "./market.ts";
import { waitFor } from "./market.ts";

/** The refusals that come after the proof was verified as the stream sender's: only these are logged (server/refusals.ts). */
export const VERIFIED_REFUSALS = new Set(["NONCE_REPLAYED", "BUDGET_EXHAUSTED", "STREAM_BUSY"]);

export type KindSummary = { kind: string; sent: number; wrong: number; expected: string; got: Record<string, number> };

export type AdversarialReport = {
  requests: number;
  bad: number;
  paid: number;
  badServed: number;
  wrongAnswers: number;
  rejectionsLogged: number;
  rejectionsExpected: number;
  paidServed: number;
  paidBilledRight: number;
  settledStreams: number;
  chargedWei: bigint;
  byKind: KindSummary[];
  failures: string[];
};

const count = <T>(xs: T[], key: (x: T) => string) => xs.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map<string, number>());

/**
 * @example
 * const report = await checkAdversarial(m, fx, run); assert.deepEqual(report.failures, []);
 */
export async function checkAdversarial(m: ReliabilityMarket, fx: Fixtures, run: AdversarialRun, o: { settleWithinMs?: number } = {}): Promise<AdversarialReport> {
  const failures: string[] = [];
  const byKind = new Map<string, KindSummary>();
  for (const b of run.bad) {
    const k = byKind.get(b.kind) ?? { kind: b.kind, sent: 0, wrong: 0, expected: `${b.expected.status} ${b.expected.codes.join("|")}`, got: {} };
    k.sent++;
    if (!b.ok) k.wrong++;
    const got = `${b.status} ${b.code ?? "-"}`;
    k.got[got] = (k.got[got] ?? 0) + 1;
    byKind.set(b.kind, k);
  }
  for (const k of byKind.values()) if (k.wrong > 0) failures.push(`${k.kind}: expected ${k.expected}, got ${JSON.stringify(k.got)}`);
  const badServed = run.bad.filter((b) => b.status >= 200 && b.status < 300).length;
  if (badServed > 0) failures.push(`${badServed} bad requests were served`);
  if (run.unhealthy.length) failures.push(`health check failed ${run.unhealthy.length} times: ${run.unhealthy[0]}`);

  // Paid: served, and the receipt's arithmetic.
  let paidBilledRight = 0;
  const served = run.paid.filter((p) => p.out.status === 200 && p.out.jobId);
  for (const p of run.paid) {
    if (p.out.status !== 200 || !p.out.jobId) {
      failures.push(`paid ${p.req.route} on stream ${p.req.streamId}: ${p.out.status} ${p.out.code ?? p.out.text.slice(0, 200)}`);
      continue;
    }
    if (p.out.cost === (BigInt(p.out.meteredMs!) * fx.price) / 1000n) paidBilledRight++;
    else failures.push(`job ${p.out.jobId}: cost ${p.out.cost} is not floor(${p.out.meteredMs} ms × ${fx.price} / 1000)`);
  }

  // The log since the run started. Rejections are appended by the runtime's group commit just after
  // their answers, so the last ones may land a moment after the run: wait for them (bounded).
  const answered = [...run.bad.map((b) => b.code ?? "-"), ...run.paid.filter((p) => p.out.status !== 200).map((p) => p.out.code ?? "-")];
  const refusals = answered.filter((c) => VERIFIED_REFUSALS.has(c)).length;
  await waitFor(() => (m.readLog(run.fromPosition + 1).filter((e) => e.type === "JobRejected").length >= refusals ? true : undefined), 5_000, "the rejections").catch(() => undefined);
  const events = m.readLog(run.fromPosition + 1);
  const rejected = events.filter((e): e is StoredEvent<"JobRejected"> => e.type === "JobRejected");
  const expectedRejections = count(answered.filter((c) => VERIFIED_REFUSALS.has(c)), (c) => c);
  const loggedRejections = count(rejected, (e) => e.data.code);
  for (const code of new Set([...expectedRejections.keys(), ...loggedRejections.keys()])) {
    if ((expectedRejections.get(code) ?? 0) !== (loggedRejections.get(code) ?? 0)) {
      failures.push(`rejections ${code}: ${expectedRejections.get(code) ?? 0} answered, ${loggedRejections.get(code) ?? 0} in the log`);
    }
  }
  const paidNonces = new Set(run.paid.map((p) => `${p.req.streamId}:${p.req.nonce}`));
  const accepted = events.filter((e): e is StoredEvent<"JobAccepted"> => e.type === "JobAccepted");
  const intruders = accepted.filter((e) => !paidNonces.has(`${e.data.streamId}:${e.data.nonce}`));
  if (intruders.length) failures.push(`${intruders.length} jobs accepted that were not paid requests (first: stream ${intruders[0]!.data.streamId})`);
  if (accepted.length !== served.length) failures.push(`${accepted.length} jobs accepted in the log, ${served.length} paid requests served`);
  const completed = new Map(events.filter((e): e is StoredEvent<"JobCompleted"> => e.type === "JobCompleted").map((e) => [e.data.jobId, e.data]));
  for (const p of served) {
    const c = completed.get(p.out.jobId!);
    if (!c) failures.push(`job ${p.out.jobId}: the consumer holds a receipt but the log has no JobCompleted`);
    else if (c.cost !== p.out.cost || c.meteredMs !== BigInt(p.out.meteredMs!)) failures.push(`job ${p.out.jobId}: receipt ${p.out.cost} wei / ${p.out.meteredMs} ms, log ${c.cost} / ${c.meteredMs}`);
  }

  // Settlement: every paid stream is settled for exactly the sum of its receipts.
  const owed = new Map<bigint, bigint>();
  for (const p of served) owed.set(p.req.streamId, (owed.get(p.req.streamId) ?? 0n) + p.out.cost!);
  const settled = await waitFor(() => {
    const s = m.readLog().filter((e): e is StoredEvent<"StreamSettled"> => e.type === "StreamSettled");
    const ids = new Map(s.map((e) => [e.data.streamId, e.data]));
    return fx.paid.every((p) => ids.has(p.streamId)) ? ids : undefined;
  }, o.settleWithinMs ?? 60_000, "every paid stream to be settled").catch((err: Error) => {
    failures.push(err.message);
    return new Map<bigint, StoredEvent<"StreamSettled">["data"]>();
  });
  let chargedWei = 0n;
  for (const p of fx.paid) {
    const s = settled.get(p.streamId);
    if (!s) continue;
    const due = owed.get(p.streamId) ?? 0n;
    const chain = (await m.publicClient.readContract({ address: m.contracts.streamPay, abi: streamPayAbi, functionName: "getStream", args: [p.streamId] })) as { withdrawn: bigint; status: number };
    if (s.earned !== due || chain.withdrawn !== due) failures.push(`stream ${p.streamId}: receipts sum to ${due} wei, settled ${s.earned}, withdrawn on chain ${chain.withdrawn}`);
    if (s.refund !== p.deposit - due) failures.push(`stream ${p.streamId}: refund ${s.refund}, expected ${p.deposit - due}`);
    chargedWei += chain.withdrawn;
  }

  return {
    requests: run.total, bad: run.bad.length, paid: run.paid.length, badServed, wrongAnswers: run.bad.filter((b) => !b.ok).length,
    rejectionsLogged: rejected.length, rejectionsExpected: [...expectedRejections.values()].reduce((a, b) => a + b, 0),
    paidServed: served.length, paidBilledRight, settledStreams: fx.paid.filter((p) => settled.has(p.streamId)).length, chargedWei, byKind: [...byKind.values()].sort((a, b) => a.kind.localeCompare(b.kind)), failures,
  };
}
