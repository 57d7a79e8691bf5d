/**
 * The chat's purchase, built from the consumer SDK's parts: quote (checked against the registry),
 * a stream sized for the expected compute, a session whose requests are signed with a session key,
 * and, once the stream is closed on chain, the SDK's receipt (paid, refunded, transaction hashes).
 */
import type { Address } from "viem";
import { getStream } from "../../../runtime/chain/actions/get-stream.ts";
import type { ClientChain } from "../../../runtime/client/chain.ts";
import { createStream } from "../../../runtime/client/open-stream.ts";
import { fetchQuote } from "../../../runtime/client/quote.ts";
import { startSession, type Session } from "../../../runtime/client/session.ts";
import { sizeStream } from "../../../runtime/client/stream-size.ts";
import type { OnProgress, ProviderInfo, Quote, Receipt } from "../../../runtime/client/types.ts";
import type { MarketProvider } from "../lib/api.ts";
import type { Payer } from "./payer.ts";

/**
 * The registry row as the SDK's ProviderInfo. This runtime's own offerings are reached on the page's
 * origin (the registered endpoint may name another host for the same server, e.g. 127.0.0.1 vs localhost).
 */
export function toProviderInfo(p: MarketProvider): ProviderInfo {
  return {
    id: BigInt(p.id), wallet: p.wallet as Address, model: p.model, endpoint: p.self ? location.origin : p.endpoint,
    pricePerSecond: BigInt(p.pricePerSecond), serviceType: p.serviceType, active: p.active, retired: false,
    completedJobs: BigInt(p.completedJobs), totalEarned: BigInt(p.totalEarned), registeredAt: BigInt(p.registeredAt),
  };
}

/** Asks the provider for its quote (SDK: refused when it does not match the registry's row, chain or StreamPay). */
export function quoteOf(where: Pick<ClientChain, "chainId" | "contracts">, provider: ProviderInfo): Promise<Quote> {
  return fetchQuote(where as ClientChain, provider);
}

/** The deposit and window the SDK would open for `expectedSeconds` of compute. */
export function plannedStream(quote: Quote, provider: ProviderInfo, expectedSeconds: number) {
  const price = quote.pricePerSecond > provider.pricePerSecond ? quote.pricePerSecond : provider.pricePerSecond;
  return sizeStream({ pricePerSecond: price, expectedSeconds, queueWaitMs: quote.queue.expectedWaitMs, minJobMs: quote.minJobMs });
}

/**
 * Opens the stream on chain and starts a session on it.
 * @example
 * const session = await openSession(payer, provider, quote, 20, (p) => console.log(p.message));
 */
export async function openSession(payer: Payer, provider: ProviderInfo, quote: Quote, expectedSeconds: number, onProgress: OnProgress): Promise<Session> {
  const size = plannedStream(quote, provider, expectedSeconds);
  const stream = await createStream(
    payer.chain,
    { recipient: provider.wallet, providerId: provider.id, serviceType: quote.serviceType, deposit: size.deposit, durationSeconds: size.durationSeconds },
    onProgress,
  );
  onProgress({ phase: "open", message: `stream ${stream.streamId} is open; signing a session key for it` });
  return startSession({ chain: payer.chain, stream, provider, quote });
}

/**
 * Resolves with the receipt once the stream is closed on chain (by the provider's idle settlement,
 * or by `session.close()`), polling its on-chain state. Stops (never resolves) when `signal` aborts.
 */
export async function whenClosed(payer: Payer, session: Session, signal: AbortSignal, everyMs = 1000): Promise<Receipt> {
  for (;;) {
    if (signal.aborted) return new Promise<Receipt>(() => undefined);
    const s = await getStream(payer.chain.publicClient, { streamPay: payer.chain.contracts.streamPay, streamId: session.stream.streamId }).catch(() => undefined);
    if (s && s.status !== "active" && s.status !== "none") return session.close();
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
