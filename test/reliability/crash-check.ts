/**
 * What must hold in the log after the runtime was SIGKILLed, and after it restarted:
 *  - the hash chain verifies;
 *  - every receipt a consumer holds (an answered paid request) has its JobCompleted, same cost and ms;
 *  - after the restart's recovery, every accepted job has exactly one ending (completed or failed);
 *  - no stream has two settlements submitted or two StreamSettled events;
 *  - every stream event the chain emitted for this provider before the restart is in the log.
 */
import { parseEventLogs, type Address } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import type { StoredEvent } from "../../runtime/core/events.ts";
import type { ReliabilityMarket } from "./market.ts";

export type Receipt = { jobId: string; streamId: bigint; cost: bigint; meteredMs: number };

const sid = (e: StoredEvent) => (e.data as { streamId?: bigint }).streamId;

/** Checks right after the kill, on the log as the dead process left it. */
export function checkAfterKill(m: ReliabilityMarket, receipts: Map<string, Receipt>): string[] {
  const failures: string[] = [];
  m.withLog((store) => {
    const v = store.verify();
    if (!v.ok) failures.push(`hash chain broken at ${v.firstBadPosition}: ${v.reason}`);
    const completed = new Map(store.read({ types: ["JobCompleted"] }).map((e) => [(e as StoredEvent<"JobCompleted">).data.jobId, (e as StoredEvent<"JobCompleted">).data]));
    for (const r of receipts.values()) {
      const c = completed.get(r.jobId);
      if (!c) failures.push(`receipt for job ${r.jobId} (stream ${r.streamId}) has no JobCompleted in the log`);
      else if (c.cost !== r.cost || c.meteredMs !== BigInt(r.meteredMs)) failures.push(`job ${r.jobId}: receipt ${r.cost} wei / ${r.meteredMs} ms, log ${c.cost} / ${c.meteredMs}`);
    }
  });
  return failures;
}

export type RecoveryFacts = { accepted: number; openBeforeRecovery: number; recoveredFailed: number; failures: string[] };

/**
 * Checks once the restarted runtime is ready (its recovery and the watcher's catch-up are done).
 * `openBefore` = accepted jobs without an ending in the log the dead process left; `minedBefore` = the
 * last block mined before the restart (the watcher must have caught up to it).
 */
export async function checkAfterRestart(m: ReliabilityMarket, openBefore: Set<string>, fromBlock: bigint, minedBefore: bigint): Promise<RecoveryFacts> {
  const failures: string[] = [];
  const events = m.readLog();
  const endings = new Map<string, number>();
  const accepted = new Set<string>();
  const settlements = new Map<bigint, number>();
  const settledEvents = new Map<bigint, number>();
  let recoveredFailed = 0;
  for (const e of events) {
    if (e.type === "JobAccepted") accepted.add(e.data.jobId);
    if (e.type === "JobCompleted" || e.type === "JobFailed") endings.set(e.data.jobId, (endings.get(e.data.jobId) ?? 0) + 1);
    if (e.type === "JobFailed" && openBefore.has(e.data.jobId)) recoveredFailed++;
    if (e.type === "SettlementSubmitted") settlements.set(e.data.streamId, (settlements.get(e.data.streamId) ?? 0) + 1);
    if (e.type === "StreamSettled") settledEvents.set(e.data.streamId, (settledEvents.get(e.data.streamId) ?? 0) + 1);
  }
  for (const id of accepted) {
    const n = endings.get(id) ?? 0;
    if (n !== 1) failures.push(`job ${id} has ${n} endings after recovery (expected exactly 1)`);
  }
  for (const [id, n] of settlements) if (n > 1) failures.push(`stream ${id}: ${n} settlements submitted`);
  for (const [id, n] of settledEvents) if (n > 1) failures.push(`stream ${id}: ${n} StreamSettled events`);

  // Every chain event about this provider's streams, up to the block the watcher says it has read
  // (its cursor moves in the same transaction as the events), is in the log.
  const cursor = BigInt(m.withLog((s) => s.getCursor("chain-watcher")) ?? "0");
  if (cursor < minedBefore) failures.push(`the watcher's cursor (block ${cursor}) is behind block ${minedBefore}, mined before the restart`);
  const logs = await m.publicClient.getLogs({ address: m.contracts.streamPay, fromBlock, toBlock: cursor });
  const chainEvents = parseEventLogs({ abi: streamPayAbi, logs });
  const mine = new Set<bigint>();
  for (const l of chainEvents) {
    if (l.eventName === "StreamCreated" && (l.args as { recipient: Address }).recipient.toLowerCase() === m.provider.toLowerCase()) mine.add((l.args as { streamId: bigint }).streamId);
  }
  const inLog = new Set(events.map((e) => `${e.type}:${sid(e)}`));
  const names: Record<string, string> = { StreamCreated: "StreamOpened", StreamSettled: "StreamSettled", StreamCancelled: "StreamCancelled" };
  for (const l of chainEvents) {
    const type = names[l.eventName];
    const id = (l.args as { streamId?: bigint }).streamId;
    if (!type || id === undefined || !mine.has(id)) continue;
    if (!inLog.has(`${type}:${id}`)) failures.push(`chain event ${l.eventName} for stream ${id} (block ${l.blockNumber}) is not in the log after the restart`);
  }
  return { accepted: accepted.size, openBeforeRecovery: openBefore.size, recoveredFailed, failures };
}

/** Accepted jobs without an ending, in the log as it is now. */
export function openJobs(m: ReliabilityMarket): Set<string> {
  const open = new Set<string>();
  for (const e of m.readLog()) {
    if (e.type === "JobAccepted") open.add(e.data.jobId);
    if (e.type === "JobCompleted" || e.type === "JobFailed") open.delete(e.data.jobId);
  }
  return open;
}
