/**
 * After a restart (or a crash), every stream the gateway's log still holds as open is closed: the
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

/** The block of a close transaction (0 when there is none to look up). */
export async function blockOf(chain: ClientChain, hash: Hash | undefined): Promise<bigint> {
  if (!hash) return 0n;
  return (await chain.publicClient.getTransactionReceipt({ hash })).blockNumber;
}

/** What follows a close: the log by default; the gateway passes its whole close path (./closed.ts: overcharge check, rating). */
export type AfterRecovery = (s: { streamId: bigint; providerId: bigint }, receipt: Receipt) => Promise<void>;

async function recoverOne(chain: ClientChain, log: GatewayLog, s: LoggedStream, after: AfterRecovery): Promise<Receipt> {
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
    receipt = await closeStream(chain, { ...base, endpoint: provider.endpoint, signer, assumeServed: true });
  }
  await after({ streamId: s.streamId, providerId }, receipt);
  return receipt;
}

/**
 * @example
 * const { receipts, failed } = await recoverStreams(chain, log);
 */
export async function recoverStreams(chain: ClientChain, log: GatewayLog, after?: AfterRecovery): Promise<{ receipts: Receipt[]; failed: Array<{ streamId: bigint; error: string }> }> {
  const logOnly: AfterRecovery = async (s, r) => log.closed(s.streamId, r, await blockOf(chain, r.txHashes.close));
  const open = [...log.state().streams.values()].filter((s) => s.status === "active");
  const results = await Promise.allSettled(open.map((s) => recoverOne(chain, log, s, after ?? logOnly)));
  const receipts: Receipt[] = [];
  const failed: Array<{ streamId: bigint; error: string }> = [];
  results.forEach((r, i) => {
    if (r.status === "fulfilled") receipts.push(r.value);
    else failed.push({ streamId: open[i]!.streamId, error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
  });
  return { receipts, failed };
}
