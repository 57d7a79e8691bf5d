/**
 * After a restart (or a crash), first the openings an earlier run logged but never saw through
 * (StreamOpening without StreamOpened: it died between signing and logging the receipt) are looked
 * up on chain (./openings.ts): one that made a stream becomes a logged stream and is closed below;
 * one reverted or dropped is marked so (its reservation released); one undecidable stays pending.
 * Then every stream the gateway's log still holds as open is closed: the
 * provider is asked to settle what it metered (a fresh session key signs the settle act), with the
 * consumer's cancel as the fallback; a stream that closed meanwhile just gets its receipt logged.
 * No deposit is left behind. (Closing rather than resuming keeps one rule: a stream lives in one process.)
 * The gateway runs each close through the same path as a live one (./closed.ts): logged, checked for
 * an overcharge, rated.
 */
import { getAddress, isHash, type Hash } from "viem";
import { paymentDomain } from "../core/payment.ts";
import { getStream } from "../chain/actions/get-stream.ts";
import { requireWallet, type ClientChain } from "../client/chain.ts";
import { closeStream, readReceipt } from "../client/close-stream.ts";
import { createSessionSigner } from "../client/payment-signer.ts";
import { readProvider } from "../client/registry.ts";
import type { Receipt } from "../client/types.ts";
import type { GatewayLog, LoggedStream } from "./log.ts";
import { resolveOpenings, type OpeningOutcome } from "./openings.ts";

/** The block of a close transaction (0 when there is none to look up). */
export async function blockOf(chain: ClientChain, hash: Hash | undefined): Promise<bigint> {
  if (!hash) return 0n;
  return (await chain.publicClient.getTransactionReceipt({ hash })).blockNumber;
}

/**
 * What follows a close: the log by default; the gateway passes its whole close path (./closed.ts:
 * overcharge check, rating). `unused`: a stream found from a logged opening, which nothing can have used.
 */
export type AfterRecovery = (s: { streamId: bigint; providerId: bigint }, receipt: Receipt, how: { unused: boolean }) => Promise<void>;

async function recoverOne(chain: ClientChain, log: GatewayLog, s: LoggedStream, after: AfterRecovery, unused: boolean): Promise<Receipt> {
  const onChain = await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId: s.streamId });
  // Who the stream pays is the chain's answer (the log wrote the same at opening).
  const providerId = onChain.status === "none" ? s.providerId : onChain.providerId;
  const base = {
    streamId: s.streamId, providerId, recipient: getAddress(onChain.status === "none" ? s.recipient : onChain.recipient), deposit: s.deposit,
    openTx: isHash(s.openTx) ? s.openTx : "0x", openBlock: s.openBlock, gasPaid: 0n, metered: s.metered,
    // The window lets the close wait until what was metered has streamed (the provider's settle is covered by then).
    startTime: s.startTime, durationSeconds: s.durationSeconds,
  };
  let receipt: Receipt;
  if (onChain.status !== "active") receipt = await readReceipt(chain, { ...base, endpoint: "" }, 0n);
  else {
    const wallet = requireWallet(chain, "Closing the gateway's streams");
    const provider = await readProvider(chain, providerId);
    const signer = await createSessionSigner({ account: wallet.account, domain: paymentDomain(chain.chainId, chain.contracts.streamPay), streamId: s.streamId, ttlSeconds: 600 });
    // A request is only ever sent after StreamOpened is logged: a stream found from its opening served nothing.
    receipt = await closeStream(chain, { ...base, endpoint: provider.endpoint, signer, assumeServed: !unused });
  }
  await after({ streamId: s.streamId, providerId }, receipt, { unused });
  return receipt;
}

/**
 * `openingsOnly`: only the earlier run's openings still pending (and the streams they turn out to have
 * opened), for a look again while running (the gateway does it after each stream it opens: its first
 * opening takes the nonce an unsent one held, which settles it as dropped).
 * @example
 * const { receipts, failed, openings } = await recoverStreams(chain, log);
 */
export async function recoverStreams(
  chain: ClientChain, log: GatewayLog, after?: AfterRecovery, o: { openingsOnly?: boolean } = {},
): Promise<{ receipts: Receipt[]; failed: Array<{ streamId: bigint; error: string }>; openings: OpeningOutcome[] }> {
  const logOnly: AfterRecovery = async (s, r) => log.closed(s.streamId, r, await blockOf(chain, r.txHashes.close));
  // Taken before the first await: this run's own streams (logged from now on) are not an earlier run's.
  const open = o.openingsOnly ? [] : [...log.state().streams.values()].filter((s) => s.status === "active");
  const openings = await resolveOpenings(chain, log);
  const found = new Set(openings.flatMap((o) => (o.outcome === "opened" && o.streamId !== undefined ? [o.streamId] : [])));
  for (const id of found) {
    const s = log.state().streams.get(id);
    if (s && s.status === "active" && !open.includes(s)) open.push(s);
  }
  const results = await Promise.allSettled(open.map((s) => recoverOne(chain, log, s, after ?? logOnly, found.has(s.streamId))));
  const receipts: Receipt[] = [];
  const failed: Array<{ streamId: bigint; error: string }> = [];
  results.forEach((r, i) => {
    if (r.status === "fulfilled") receipts.push(r.value);
    else failed.push({ streamId: open[i]!.streamId, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
  });
  return { receipts, failed, openings };
}
