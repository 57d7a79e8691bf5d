/**
 * Ending a stream and the receipt of who got what.
 *
 * Preferred: ask the provider to settle now (POST /v1/streams/:id/settle, its own signed act):
 * StreamPay.settle pays it exactly what it metered and refunds the rest in one transaction, paid for
 * by the provider. A runtime without that route settles by itself once the stream has been idle, so
 * the SDK waits for that. If the stream is still open when the wait is over — or nothing was ever
 * served, so the provider has nothing to settle — the SDK cancels it itself (cancelStream: a time-based
 * split, the provider gets rate × elapsed seconds; the consumer pays the gas).
 *
 * Never while the provider's settlement is in flight and coverable: the wait starts counting only
 * once the stream has streamed what was metered (stream-size.ts coverableAt) — before that the
 * provider's settle(metered) cannot land yet and a cancel would pay it less than it metered.
 */
import type { Address, Hash } from "viem";
import { isClawError } from "../core/errors.ts";
import { cancelStream } from "../chain/actions/cancel-stream.ts";
import { getStreamHistory } from "../chain/actions/get-stream-history.ts";
import { getStream } from "../chain/actions/get-stream.ts";
import { requireWallet, type ClientChain } from "./chain.ts";
import { coverableAt } from "./stream-size.ts";
import type { PaymentSigner } from "./payment-signer.ts";
import { providerFetch } from "./provider-http.ts";
import type { OnProgress, Receipt } from "./types.ts";

export type ClosableStream = {
  streamId: bigint; providerId: bigint; recipient: Address; deposit: bigint; endpoint: string;
  openTx: Hash; openBlock: bigint; gasPaid: bigint; metered: bigint; signer: PaymentSigner;
  /** Served by an earlier process too (a resumed stream), so worth waiting for even if `metered` is 0. */
  assumeServed?: boolean;
  /** The stream's window (unix start, seconds): with them the wait covers the time until `metered` is streamed. */
  startTime?: bigint;
  durationSeconds?: bigint;
};

export type CloseOptions = {
  /** Cancel at once instead of asking the provider to settle. */
  cancel?: boolean;
  /** How long to wait for the provider's settlement before cancelling (default 30 s; 90 s when the provider has no settle route and settles when idle). */
  timeoutMs?: number;
  onProgress?: OnProgress;
};

/** Asks the provider to settle now; false when it cannot (no such route, unreachable). */
export async function requestSettle(s: Pick<ClosableStream, "streamId" | "endpoint" | "signer">): Promise<boolean> {
  // A distinct signed act (EIP-712 Settle / claw-settle session message) with its own fresh nonce.
  const act = await s.signer.settle();
  try {
    await providerFetch(s.endpoint, act.path, {
      method: "POST", body: act.body, headers: { ...act.headers, "content-type": "application/json" }, timeoutMs: 15_000,
    });
    return true;
  } catch (err) {
    if (isClawError(err, "PROVIDER_FAILED") || isClawError(err, "PROVIDER_UNREACHABLE") || isClawError(err, "PROVIDER_REFUSED")) return false;
    throw err;
  }
}

async function waitClosed(chain: ClientChain, streamId: bigint, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId });
    if (s.status !== "active") return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, chain.pollingIntervalMs));
  }
}

/** The receipt of a closed stream, from its final state and its closing event. */
export async function readReceipt(chain: ClientChain, s: Omit<ClosableStream, "signer">, extraGas: bigint): Promise<Receipt> {
  const final = await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId: s.streamId });
  const { closed } = await getStreamHistory(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId: s.streamId, fromBlock: s.openBlock });
  let closedBy: Receipt["closedBy"] = "depleted";
  let keeperFee = 0n;
  if (closed?.kind === "settled") closedBy = "provider-settle";
  else if (closed?.kind === "cancelled") closedBy = closed.by.toLowerCase() === s.recipient.toLowerCase() ? "provider-cancel" : "consumer-cancel";
  else if (closed?.kind === "batch") [closedBy, keeperFee] = ["keeper", closed.keeperFee];
  const close = closed?.txHash;
  const paid = final.withdrawn;
  return {
    streamId: s.streamId, providerId: s.providerId, recipient: s.recipient, deposit: s.deposit, metered: s.metered,
    paid, refunded: s.deposit - paid - keeperFee, keeperFee, closedBy,
    txHashes: { open: s.openTx, ...(close ? { close } : {}) }, gasPaid: s.gasPaid + extraGas,
  };
}

/** cancelStream by the sender; returns the gas it cost. */
async function cancel(chain: ClientChain, streamId: bigint, onProgress?: OnProgress): Promise<bigint> {
  const wallet = requireWallet(chain, "Cancelling a stream");
  onProgress?.({ phase: "cancel", message: `cancelling stream ${streamId}` });
  const { receipt } = await cancelStream(
    wallet, { streamPay: chain.contracts.streamPay, streamId },
    { confirmations: chain.confirmations, onSent: (h) => onProgress?.({ phase: "confirm", message: `waiting for cancel transaction ${h}`, txHash: h }) },
  );
  return receipt.gasUsed * receipt.effectiveGasPrice;
}

/** How long to wait for the provider's settlement: `timeoutMs` counted from when `metered` is streamed. */
export function settleWaitMs(s: Pick<ClosableStream, "metered" | "deposit" | "startTime" | "durationSeconds">, timeoutMs: number, nowMs: number): number {
  if (s.startTime === undefined || s.durationSeconds === undefined) return timeoutMs;
  const coverableMs = Number(coverableAt({ startTime: s.startTime, durationSeconds: s.durationSeconds, deposit: s.deposit }, s.metered)) * 1000;
  return Math.max(0, coverableMs - nowMs) + timeoutMs;
}

/**
 * @example
 * const receipt = await closeStream(chain, stream); // receipt.paid, receipt.refunded, receipt.txHashes
 */
export async function closeStream(chain: ClientChain, s: ClosableStream, o: CloseOptions = {}): Promise<Receipt> {
  let extraGas = 0n;
  const open = (await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId: s.streamId })).status === "active";
  if (open && o.cancel) extraGas = await cancel(chain, s.streamId, o.onProgress);
  else if (open) {
    o.onProgress?.({ phase: "settle", message: `asking provider #${s.providerId} to settle stream ${s.streamId}` });
    const asked = await requestSettle(s);
    // A stream the provider never served is one it will never settle by itself: cancel it now.
    const worthWaiting = asked || s.metered > 0n || s.assumeServed === true;
    o.onProgress?.({ phase: "wait-settle", message: `waiting for the settlement of stream ${s.streamId}` });
    const closed = worthWaiting && (await waitClosed(chain, s.streamId, settleWaitMs(s, o.timeoutMs ?? (asked ? 30_000 : 90_000), Date.now())));
    if (!closed) {
      try {
        extraGas = await cancel(chain, s.streamId, o.onProgress);
      } catch (err) {
        // The provider's settlement may have landed between our last look and the cancel.
        if ((await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId: s.streamId })).status === "active") throw err;
      }
    }
  }
  return readReceipt(chain, s, extraGas);
}
