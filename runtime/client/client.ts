/**
 * The consumer SDK in one object: discover, quote, open a session (a sized stream), resume one,
 * one-shot inference, balances. Everything else in runtime/client is reachable from here.
 */
import type { Address, Hash } from "viem";
import { ClawError, isClawError, type ErrorCode } from "../core/errors.ts";
import { getStream } from "../chain/actions/get-stream.ts";
import { getStreamHistory } from "../chain/actions/get-stream-history.ts";
import { connectChain, requireWallet, type ChainOptions, type ClientChain } from "./chain.ts";
import { discover, type DiscoverOptions } from "./discover.ts";
import { readReceipt, type CloseOptions } from "./close-stream.ts";
import { createStream } from "./open-stream.ts";
import { fetchQuote } from "./quote.ts";
import { readProvider } from "./registry.ts";
import { startSession, type Session } from "./session.ts";
import { sizeStream, type SizeInput } from "./stream-size.ts";
import type { OnProgress, ProviderInfo, Quote, Receipt, ReceiptResult } from "./types.ts";

export type ClawClientOptions = ChainOptions & { onProgress?: OnProgress };

export type OpenSessionOptions = Omit<SizeInput, "pricePerSecond" | "queueWaitMs" | "minJobMs"> & {
  model: string;
  /** Buy from this registry provider instead of the cheapest. */
  providerId?: bigint;
  /** Probe endpoints' health before choosing (default true). */
  probe?: boolean;
  signing?: "session" | "direct";
  /** Job receipts: "report" (default) returns an invalid one as `receiptError`; "require" throws it. */
  receipts?: "report" | "require";
  /** Rate the provider on chain when the session closes (./rating.ts; default false: it costs gas). */
  rate?: boolean;
};

/** `receipt` is the stream's closing receipt; `jobReceipt` / `receiptError` the answer's signed job receipt check. */
export type OneShotResult = { answer: string; provider: ProviderInfo; quote: Quote; receipt: Receipt } & ReceiptResult;

export type ClawClient = {
  readonly chain: ClientChain;
  /** The wallet's address, when a key was given. */
  readonly address: Address | undefined;
  discover(model: string, o?: DiscoverOptions): Promise<ProviderInfo[]>;
  quote(provider: ProviderInfo): Promise<Quote>;
  openSession(o: OpenSessionOptions): Promise<Session>;
  /** A session on a stream this wallet opened earlier (e.g. by `claw infer --keep-open`). */
  resumeSession(streamId: bigint): Promise<Session>;
  /** Closes a stream this wallet opened (settle, else cancel); for a closed one, just its receipt. */
  closeStream(streamId: bigint, o?: CloseOptions): Promise<{ receipt: Receipt; provider: ProviderInfo }>;
  /** Discover, open, ask, settle: the whole answer and the receipt. */
  infer(model: string, prompt: string, o?: Omit<OpenSessionOptions, "model">): Promise<OneShotResult>;
  balance(address?: Address): Promise<bigint>;
};

/**
 * @example
 * const claw = await createClawClient({ rpcUrl, privateKey, contracts });
 * const { answer, receipt } = await claw.infer("echo-1", "hello", { maxPricePerSecond: 10n ** 12n });
 */
export async function createClawClient(o: ClawClientOptions): Promise<ClawClient> {
  const chain = await connectChain(o);
  const progress = o.onProgress;

  async function candidates(opts: OpenSessionOptions): Promise<ProviderInfo[]> {
    if (opts.providerId === undefined) {
      progress?.({ phase: "discover", message: `looking for providers of ${opts.model}` });
      return discover(chain, opts.model, { probe: opts.probe ?? true });
    }
    const p = await readProvider(chain, opts.providerId);
    if (!p.active || p.model !== opts.model) {
      throw new ClawError("NO_PROVIDER", {
        message: `Provider #${p.id} ${p.active ? `serves "${p.model}", not "${opts.model}"` : "is not active"}.`,
        details: { providerId: p.id.toString(), model: opts.model },
      });
    }
    return [p];
  }

  async function openSession(opts: OpenSessionOptions): Promise<Session> {
    const failures: ClawError[] = [];
    for (const provider of await candidates(opts)) {
      try {
        progress?.({ phase: "quote", message: `asking provider #${provider.id} (${provider.endpoint}) for a quote` });
        const quote = await fetchQuote(chain, provider);
        const price = quote.pricePerSecond > provider.pricePerSecond ? quote.pricePerSecond : provider.pricePerSecond;
        const size = sizeStream({ ...opts, pricePerSecond: price, queueWaitMs: quote.queue.expectedWaitMs, minJobMs: quote.minJobMs });
        const stream = await createStream(
          chain,
          { recipient: provider.wallet, providerId: provider.id, serviceType: quote.serviceType, deposit: size.deposit, durationSeconds: size.durationSeconds },
          progress,
        );
        return await startSession({ chain, stream, provider, quote, ...(opts.signing ? { signing: opts.signing } : {}), ...(opts.receipts ? { receipts: opts.receipts } : {}), ...(opts.rate !== undefined ? { rate: opts.rate } : {}) });
      } catch (err) {
        // Try the next cheapest only when this provider is the problem; chain and wallet errors stop here.
        const skippable: ErrorCode[] = ["PROVIDER_UNREACHABLE", "PROVIDER_FAILED", "QUOTE_MISMATCH", "PRICE_ABOVE_MAX"];
        if (!skippable.some((c) => isClawError(err, c)) || !isClawError(err)) throw err;
        failures.push(err);
      }
    }
    throw failures[0]!;
  }

  /** Where a stream was opened (its StreamCreated log). */
  async function openedLog(streamId: bigint): Promise<{ openTx: Hash; openBlock: bigint; gasPaid: bigint }> {
    const { opened } = await getStreamHistory(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId, fromBlock: chain.fromBlock ?? 0n });
    return opened ? { openTx: opened.txHash, openBlock: opened.blockNumber, gasPaid: opened.gasPaid } : { openTx: "0x", openBlock: 0n, gasPaid: 0n };
  }

  async function resumeSession(streamId: bigint): Promise<Session> {
    const wallet = requireWallet(chain, "Resuming a stream");
    const s = await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId });
    if (s.status === "none") throw new ClawError("UNKNOWN_STREAM", { message: `Stream ${streamId} does not exist on chain ${chain.chainId}.` });
    if (s.sender.toLowerCase() !== wallet.address.toLowerCase()) {
      throw new ClawError("UNKNOWN_STREAM", { message: `Stream ${streamId} was opened by ${s.sender}, not by this wallet (${wallet.address}).` });
    }
    if (s.status !== "active") throw new ClawError("STREAM_ENDED", { message: `Stream ${streamId} is already closed.` });
    const provider = await readProvider(chain, s.providerId);
    const quote = await fetchQuote(chain, provider);
    const stream = {
      streamId, sender: s.sender, recipient: s.recipient, providerId: s.providerId, deposit: s.deposit, durationSeconds: s.duration,
      startTime: s.startTime, serviceType: s.serviceType, ...(await openedLog(streamId)),
    };
    return startSession({ chain, stream, provider, quote, signing: "direct", assumeServed: true });
  }

  async function closeById(streamId: bigint, co: CloseOptions = {}): Promise<{ receipt: Receipt; provider: ProviderInfo }> {
    const s = await getStream(chain.publicClient, { streamPay: chain.contracts.streamPay, streamId });
    if (s.status === "active") {
      const session = await resumeSession(streamId);
      return { receipt: await session.close(co), provider: session.provider };
    }
    if (s.status === "none") throw new ClawError("UNKNOWN_STREAM", { message: `Stream ${streamId} does not exist on chain ${chain.chainId}.` });
    const opened = await openedLog(streamId);
    const receipt = await readReceipt(chain, {
      streamId, providerId: s.providerId, recipient: s.recipient, deposit: s.deposit, endpoint: "", ...opened, metered: 0n,
    }, 0n);
    return { receipt, provider: await readProvider(chain, s.providerId) };
  }

  return {
    chain,
    address: chain.wallet?.address,
    closeStream: closeById,
    discover: (model, d) => discover(chain, model, d),
    quote: (provider) => fetchQuote(chain, provider),
    openSession,
    resumeSession,
    async infer(model, prompt, opts = {}) {
      const session = await openSession({ ...opts, model });
      let answer: string;
      let checked: ReceiptResult;
      try {
        progress?.({ phase: "infer", message: `waiting for ${session.provider.endpoint}` });
        const r = await session.ask(prompt);
        answer = r.text;
        checked = { ...(r.jobReceipt ? { jobReceipt: r.jobReceipt } : {}), ...(r.receiptError ? { receiptError: r.receiptError } : {}) };
        if (r.receiptError) progress?.({ phase: "infer", message: `warning: ${r.receiptError.message}` });
      } catch (err) {
        await session.close({ ...(progress ? { onProgress: progress } : {}) }).catch(() => undefined);
        throw err;
      }
      const receipt = await session.close({ ...(progress ? { onProgress: progress } : {}) });
      return { answer, provider: session.provider, quote: session.quote, receipt, ...checked };
    },
    async balance(address) {
      const who = address ?? chain.wallet?.address;
      if (!who) throw new ClawError("CONFIG_INVALID", { message: "No address given and no wallet configured." });
      return chain.publicClient.getBalance({ address: who });
    },
  };
}
