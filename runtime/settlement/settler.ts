/**
 * Settles streams: once a stream has been idle for `idleSeconds` (no job queued or running) or its
 * budget cannot cover another minimum job, the runtime closes it to new jobs and calls
 * `settle(streamId, metered total)` — the provider takes what it metered, the sender gets the rest.
 *
 * Never a double settle: a stream is settled by at most one in-flight attempt; before any retry the
 * stream is re-read on chain and a stream that is no longer Active is left alone. StreamPay only
 * accepts amount <= streamed so far, so when jobs ran faster than the stream streams (concurrent jobs)
 * the settlement waits until enough has streamed.
 */
import type { Address } from "viem";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import { ClawError, isClawError } from "../core/errors.ts";
import { settlementFailed, settlementSubmitted, type NewEvent } from "../core/events.ts";
import { meteredCost } from "../core/money.ts";
import { streamStatus } from "../core/stream.ts";
import type { BudgetLedger } from "../scheduler/budget-ledger.ts";
import type { ChainClients } from "../chain/clients.ts";
import { readStream } from "../chain/stream-source.ts";
import { sendTx } from "../chain/send-tx.ts";

export type SettlerDeps = {
  clients: ChainClients;
  streamPay: Address;
  ledger: BudgetLedger;
  store: { append(e: NewEvent): unknown };
  idleSeconds: number;
  minJobMs: number;
  minPrice: (streamId: bigint) => bigint;
  confirmations: number;
  tickMs?: number;
  onSettled?: (streamId: bigint, amount: bigint, txHash: string) => void;
  onError?: (streamId: bigint, err: unknown) => void;
  now?: () => number;
};

export function createSettler(d: SettlerDeps) {
  const now = d.now ?? Date.now;
  const inflight = new Map<bigint, Promise<void>>();
  const settled = new Set<bigint>();
  const notBefore = new Map<bigint, number>();
  let timer: ReturnType<typeof setInterval> | undefined;

  function due(streamId: bigint): boolean {
    const s = d.ledger.get(streamId);
    if (!s || settled.has(streamId) || inflight.has(streamId) || s.activeJobs > 0) return false;
    if ((notBefore.get(streamId) ?? 0) > now()) return false;
    if (s.closed) return true;
    const spent = s.deposit - s.metered < meteredCost(BigInt(d.minJobMs), d.minPrice(streamId));
    return spent || now() - s.lastActivityMs >= d.idleSeconds * 1000;
  }

  async function settle(streamId: bigint): Promise<void> {
    d.ledger.close(streamId);
    const s = d.ledger.get(streamId);
    if (!s) return;
    const amount = s.metered;
    const onChain = await readStream(d.clients, d.streamPay, streamId);
    if (onChain.status !== streamStatus.active) {
      settled.add(streamId);
      return;
    }
    const block = await d.clients.publicClient.getBlock();
    // A quiet dev chain's latest block can be old; the settle tx lands in a block stamped about now.
    const chainNow = block.timestamp > BigInt(Math.floor(now() / 1000)) ? block.timestamp : BigInt(Math.floor(now() / 1000));
    const elapsed = chainNow - onChain.startTime;
    const streamed = elapsed >= onChain.duration ? onChain.deposit : (onChain.deposit * elapsed) / onChain.duration;
    if (streamed < amount) {
      // Wait until the stream has streamed the metered amount (+1 s for the next block's timestamp).
      const needSeconds = (amount * onChain.duration + onChain.deposit - 1n) / onChain.deposit - elapsed + 1n;
      notBefore.set(streamId, now() + Number(needSeconds) * 1000);
      return;
    }
    try {
      const { hash } = await sendTx(
        d.clients,
        { address: d.streamPay, abi: streamPayAbi, functionName: "settle", args: [streamId, amount] },
        { confirmations: d.confirmations, onSent: (h) => void d.store.append(settlementSubmitted({ streamId, amount, txHash: h })) },
      );
      settled.add(streamId);
      d.onSettled?.(streamId, amount, hash);
    } catch (err) {
      const e = isClawError(err) ? err : new ClawError("CHAIN_ERROR", { message: String(err), cause: err });
      d.store.append(settlementFailed({ streamId, amount, code: e.code, message: e.message }));
      notBefore.set(streamId, now() + 5_000);
      d.onError?.(streamId, err);
    }
  }

  function tick(): void {
    for (const [streamId] of d.ledger.entries()) {
      if (!due(streamId)) continue;
      const p = settle(streamId)
        .catch((err) => {
          notBefore.set(streamId, now() + 5_000);
          d.onError?.(streamId, err);
        })
        .finally(() => inflight.delete(streamId));
      inflight.set(streamId, p);
    }
  }

  return {
    tick,
    /** Marks a stream as ended elsewhere (cancelled / settled seen by the watcher). */
    markEnded(streamId: bigint) {
      settled.add(streamId);
      d.ledger.close(streamId);
    },
    start() {
      timer = setInterval(tick, d.tickMs ?? 500);
    },
    async stop() {
      if (timer) clearInterval(timer);
      await Promise.allSettled([...inflight.values()]);
    },
    isSettled: (streamId: bigint) => settled.has(streamId),
  };
}
