/**
 * The audit's judgement, pure: the log's projections next to what the chain says now, stream by
 * stream and provider by provider. Every rule below is a promise the runtime makes; a broken one is
 * a "difference" (non-zero exit of `claw audit`); facts that are fine but worth knowing are notes.
 *
 * Per stream (chain = StreamPay.getStream now):
 *  1. it exists on chain, with the sender, recipient, deposit and provider id of its StreamOpened;
 *  2. its status in the log is the chain's (open = Active, settled, cancelled, depleted);
 *  3. paid to the recipient: the log's withdrawals + settle/cancel/keeper payouts == chain `withdrawn`;
 *  4. closed streams conserve money in the log: paid + refunded + keeper fees == deposit;
 *  5. a settled stream was charged exactly what the runtime metered (sum of job costs);
 *  6. the registry recorded the settled amount for it (when the log has the CompletionRecorded).
 * Per provider (chain = ComputeRegistry.getProvider now):
 *  7. completedJobs == streams in the log attributed to it and settled for > 0 (StreamPay records no
 *     job for a settle of 0: it is a refund); totalEarned == their sum.
 * Per recipient wallet (chain = StreamPay.claimable now):
 *  8. coin credited to it but not delivered: the log's PaymentDeferred − PaymentClaimed == claimable
 *     on chain. Coin actually received = credited (rule 3) − that outstanding credit.
 */
import type { Projections, StreamView } from "./projections/index.ts";
import type { OnChainStream, StreamStatus } from "./stream.ts";
import { auditCredits, emptyCreditLog, type CreditAudit, type CreditLog } from "./reconcile-credits.ts";

export { auditCredits, creditWallets, emptyCreditLog, evolveCredits, type CreditAudit, type CreditLog } from "./reconcile-credits.ts";

/** StreamPay.getStream as the audit needs it (the getStream action's shape, less the time window). */
export type ChainStream = Pick<OnChainStream, "streamId" | "sender" | "recipient" | "deposit" | "withdrawn" | "providerId" | "status"> & {
  /** streamedAmountOf(id) now, for active streams (optional). */
  streamedNow?: bigint;
};

/** ComputeRegistry.getProvider as the audit needs it; null when the id does not exist. */
export interface ChainProvider { providerId: bigint; wallet: string; completedJobs: bigint; totalEarned: bigint }

export interface ChainSnapshot { streams: Map<bigint, ChainStream>; providers: Map<bigint, ChainProvider | null> }

export interface StreamAudit {
  streamId: bigint; logStatus: StreamStatus; chainStatus: StreamStatus | "unread";
  deposit: bigint; jobs: number; meteredMs: bigint; metered: bigint; settled: bigint | null;
  paidLog: bigint; paidChain: bigint | null; refundedLog: bigint; keeperFees: bigint;
  differences: string[]; notes: string[];
}

export interface ProviderAudit {
  providerId: bigint; settledStreams: number; earnedLog: bigint; lastRecordedTotal: bigint | null;
  completedJobsChain: bigint | null; totalEarnedChain: bigint | null; differences: string[];
}

export interface Reconciliation {
  streams: StreamAudit[]; providers: ProviderAudit[];
  /** Rule 8: coin credited vs coin received, per wallet paid. */
  credits: CreditAudit[];
  /** Streams the log mentions only in refused requests: nothing to reconcile. */
  skipped: bigint[];
  differences: number;
  totals: { metered: bigint; settled: bigint; paidLog: bigint };
}

const same = (a: string | null, b: string) => a !== null && a.toLowerCase() === b.toLowerCase();

/** The streams worth checking (anything beyond refused requests) and the provider ids involved. */
export function auditTargets(p: Projections): { streamIds: bigint[]; providerIds: bigint[]; skipped: bigint[] } {
  const streamIds: bigint[] = [];
  const skipped: bigint[] = [];
  const providerIds = new Set<bigint>();
  for (const s of p.streams.values()) {
    const relevant = s.status !== "none" || s.jobs > 0 || s.meteredMs > 0n || s.settlementSubmitted !== null || s.paidToRecipient > 0n;
    (relevant ? streamIds : skipped).push(s.streamId);
    if (relevant && s.providerId !== null && s.providerId !== 0n) providerIds.add(s.providerId);
  }
  for (const id of p.providers.keys()) providerIds.add(id);
  const byId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
  return { streamIds: streamIds.sort(byId), providerIds: [...providerIds].sort(byId), skipped: skipped.sort(byId) };
}

function auditStream(s: StreamView, c: ChainStream | undefined): StreamAudit {
  const diff: string[] = [];
  const notes: string[] = [];
  const row: StreamAudit = {
    streamId: s.streamId, logStatus: s.status, chainStatus: c?.status ?? "unread", deposit: s.deposit, jobs: s.jobs,
    meteredMs: s.meteredMs, metered: s.metered, settled: s.settled, paidLog: s.paidToRecipient, paidChain: c?.withdrawn ?? null,
    refundedLog: s.refunded, keeperFees: s.keeperFees, differences: diff, notes,
  };
  if (!c || c.status === "none") {
    diff.push("the stream does not exist on chain");
    return row;
  }
  if (s.status === "none") diff.push("the log has jobs for this stream but no StreamOpened (the watcher missed StreamCreated?)");
  else {
    if (!same(s.sender, c.sender)) diff.push(`sender: log ${s.sender}, chain ${c.sender}`);
    if (!same(s.recipient, c.recipient)) diff.push(`recipient: log ${s.recipient}, chain ${c.recipient}`);
    if (s.deposit !== c.deposit) diff.push(`deposit: log ${s.deposit}, chain ${c.deposit}`);
    if (s.providerId !== c.providerId) diff.push(`provider id: log ${s.providerId}, chain ${c.providerId}`);
    if (s.status !== c.status) diff.push(`status: log ${s.status}, chain ${c.status}`);
  }
  if (s.paidToRecipient !== c.withdrawn) {
    diff.push(`paid to the recipient: log ${s.paidToRecipient}, chain ${c.withdrawn} (${c.withdrawn - s.paidToRecipient} not in the log)`);
  }
  const closed = s.status === "settled" || s.status === "cancelled" || s.status === "depleted";
  if (closed && s.paidToRecipient + s.refunded + s.keeperFees !== s.deposit) {
    diff.push(`paid ${s.paidToRecipient} + refunded ${s.refunded} + keeper fees ${s.keeperFees} != deposit ${s.deposit}`);
  }
  if (s.status === "settled" && s.settled !== null) {
    if (s.settled !== s.metered) {
      diff.push(`settled ${s.settled} but metered ${s.metered} (${s.settled > s.metered ? "charged" : "left"} ${s.settled > s.metered ? s.settled - s.metered : s.metered - s.settled} wei ${s.settled > s.metered ? "more than metered" : "unpaid"})`);
    }
    if (s.registryRecorded !== null && s.providerId !== 0n && s.registryRecorded !== s.settled) {
      diff.push(`registry recorded ${s.registryRecorded} for this stream, settled ${s.settled}`);
    }
  }
  if (s.status === "cancelled" || s.status === "depleted") {
    notes.push(`${s.status}: paid by time (${s.paidToRecipient}) instead of metered (${s.metered})`);
  }
  if (s.status === "active") {
    if (s.metered > 0n) notes.push(`${s.metered} wei metered, not settled yet`);
    if (c.streamedNow !== undefined && s.metered > c.streamedNow) {
      notes.push(`metered ${s.metered} exceeds what has streamed so far (${c.streamedNow}); a settle now would be refused`);
    }
  }
  return row;
}

function auditProvider(id: bigint, p: Projections, c: ChainProvider | null | undefined): ProviderAudit {
  let settledStreams = 0;
  let earnedLog = 0n;
  for (const s of p.streams.values()) {
    if (s.providerId === id && s.status === "settled" && s.settled !== null && s.settled > 0n) {
      settledStreams++;
      earnedLog += s.settled;
    }
  }
  const view = p.providers.get(id);
  const diff: string[] = [];
  const row: ProviderAudit = {
    providerId: id, settledStreams, earnedLog, lastRecordedTotal: view?.totalEarned ?? null,
    completedJobsChain: c?.completedJobs ?? null, totalEarnedChain: c?.totalEarned ?? null, differences: diff,
  };
  if (!c) {
    diff.push("the provider does not exist in the registry");
    return row;
  }
  if (c.completedJobs !== BigInt(settledStreams)) diff.push(`registry completedJobs ${c.completedJobs}, settled streams in the log ${settledStreams}`);
  if (c.totalEarned !== earnedLog) diff.push(`registry totalEarned ${c.totalEarned}, settled in the log ${earnedLog}`);
  if (view?.totalEarned != null && view.totalEarned !== c.totalEarned) {
    diff.push(`last CompletionRecorded in the log says totalEarned ${view.totalEarned}, registry now ${c.totalEarned} (completions missing from the log)`);
  }
  return row;
}

/**
 * @example
 * const { streamIds, providerIds } = auditTargets(p);
 * const result = reconcile(p, { streams: await readAll(streamIds), providers: await readAll(providerIds) });
 * if (result.differences > 0) process.exitCode = 1;
 */
export function reconcile(p: Projections, chain: ChainSnapshot, credits: { log: CreditLog; claimable: Map<string, bigint> } = { log: emptyCreditLog(), claimable: new Map() }): Reconciliation {
  const { streamIds, providerIds, skipped } = auditTargets(p);
  const streams = streamIds.map((id) => auditStream(p.streams.get(id)!, chain.streams.get(id)));
  const providers = providerIds.map((id) => auditProvider(id, p, chain.providers.get(id)));
  const totals = { metered: 0n, settled: 0n, paidLog: 0n };
  for (const s of streams) {
    totals.metered += s.metered;
    totals.settled += s.settled ?? 0n;
    totals.paidLog += s.paidLog;
  }
  const creditRows = auditCredits(p, streamIds, credits.log, credits.claimable);
  const differences = streams.reduce((n, s) => n + s.differences.length, 0) + providers.reduce((n, p2) => n + p2.differences.length, 0)
    + creditRows.reduce((n, c) => n + c.differences.length, 0);
  return { streams, providers, credits: creditRows, skipped, differences, totals };
}
