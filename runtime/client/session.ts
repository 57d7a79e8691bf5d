/**
 * A session: one payment stream used for any number of requests to one provider, closed once when
 * the caller is done — one open transaction and one settlement however many prompts it served.
 *
 * Every answer's job receipt is verified (verify-receipt.ts) against the stream's recipient, the
 * request sent, the billed cost, price × the quote's max job time and the output received. A
 * missing or invalid receipt does not take the answer away (it was paid for): the result carries
 * `receiptError` (RECEIPT_INVALID) and the session lists it in `receiptErrors`. With
 * `receipts: "require"` the call throws it instead (after the job's billing is recorded).
 */
import { ClawError, isClawError } from "../core/errors.ts";
import { paymentDomain } from "../core/payment.ts";
import { requireWallet, type ClientChain } from "./chain.ts";
import { closeStream, type CloseOptions } from "./close-stream.ts";
import type { OpenedStream } from "./open-stream.ts";
import { measureReceipt, measureRequest, newMeasure, rateClosedStream, type RatingOutcome } from "./rating.ts";
import { chatCompletion, generateImages, transcribe, type PaidTarget } from "./paid-requests.ts";
import { createDirectSigner, createSessionSigner, type PaymentSigner } from "./payment-signer.ts";
import type { ChatMessage, ImageResult, InferOptions, InferResult, JobBilling, ProviderInfo, Quote, Receipt, ReceiptResult, TranscriptionResult } from "./types.ts";
import type { ReceiptTerms } from "./verify-receipt.ts";

/** Tokens as they arrive; `result()` drains the rest and resolves to the whole answer and its billing. */
export type InferenceRun = AsyncIterable<string> & { result(): Promise<InferResult> };

export type Session = {
  readonly stream: OpenedStream;
  readonly provider: ProviderInfo;
  readonly quote: Quote;
  /** Billing of every job served on this stream so far. */
  readonly jobs: readonly JobBilling[];
  /** Every RECEIPT_INVALID met on this stream (missing, forged or not matching receipts), in order. */
  readonly receiptErrors: readonly ClawError[];
  /** Sum of the job costs so far (what the provider will settle for). */
  metered(): bigint;
  /** Streams the answer token by token. */
  infer(input: string | ChatMessage[], o?: InferOptions): InferenceRun;
  /** The whole answer at once. */
  ask(input: string | ChatMessage[], o?: InferOptions): Promise<InferResult>;
  image(prompt: string, o?: { n?: number; size?: string; seed?: number }): Promise<ImageResult>;
  transcribe(audio: Uint8Array, o?: { filename?: string; mimeType?: string; language?: string; prompt?: string }): Promise<TranscriptionResult>;
  /**
   * Settles (or cancels) the stream and returns the receipt. Idempotent. With `rate` (or the
   * session's `rate`), then posts this stream's rating to the registry (./rating.ts has the rule;
   * the consumer pays ~51,600 gas) and returns its outcome as `rating`: a failed rating is
   * reported there, never thrown.
   */
  close(o?: CloseOptions & { rate?: boolean }): Promise<Receipt & { rating?: RatingOutcome }>;
};

export type SessionInput = {
  chain: ClientChain;
  stream: OpenedStream;
  provider: ProviderInfo;
  quote: Quote;
  /** "session" (default): one wallet signature, then a MAC (X25519-agreed key, when the quote offers one) or an Ed25519 signature per request. "direct": the wallet signs every request. */
  signing?: "session" | "direct";
  /** Jobs already served on this stream by an earlier process (a resumed stream): their sum. */
  meteredBefore?: bigint;
  /** The stream may have been served before this process (resumed): wait for the provider's settlement. */
  assumeServed?: boolean;
  /** "report" (default): an invalid receipt is returned as `receiptError`; "require": the call throws it. */
  receipts?: "report" | "require";
  /** Rate the provider on chain when the session closes (default false: it costs gas); close({ rate }) overrides. */
  rate?: boolean;
};

/**
 * @example
 * const session = await startSession({ chain, stream, provider, quote });
 * for await (const token of session.infer("hello")) process.stdout.write(token);
 * const receipt = await session.close();
 */
export async function startSession(i: SessionInput): Promise<Session> {
  const wallet = requireWallet(i.chain, "A session");
  const domain = paymentDomain(i.chain.chainId, i.chain.contracts.streamPay);
  const base = { account: wallet.account, domain, streamId: i.stream.streamId };
  // The session key lives as long as the stream (plus slack for clock skew), never longer.
  const ttlSeconds = Number(i.stream.startTime + i.stream.durationSeconds) - Math.floor(Date.now() / 1000) + 300;
  // A MAC per request when the quote offers a key agreement signed by the stream's recipient; else Ed25519.
  const signer: PaymentSigner = i.signing === "direct" ? createDirectSigner(base) : await createSessionSigner({
    ...base, ttlSeconds: Math.max(ttlSeconds, 300), keyAgreement: i.quote.keyAgreement, recipient: i.stream.recipient,
  });
  const terms: ReceiptTerms = {
    domain, recipient: i.stream.recipient, maxJobMs: i.quote.maxJobSeconds * 1000,
    // The stream was sized for the higher of the quoted and the registered price (client.ts).
    pricePerSecond: i.quote.pricePerSecond > i.provider.pricePerSecond ? i.quote.pricePerSecond : i.provider.pricePerSecond,
  };
  const target: PaidTarget = { endpoint: i.provider.endpoint, model: i.provider.model, signer, terms };
  const jobs: JobBilling[] = [];
  const receiptErrors: ClawError[] = [];
  /** Records a billed job and its receipt check; throws the receipt error under "require". */
  const measure = newMeasure();
  const billed = <T extends ReceiptResult & { usage?: InferResult["usage"] }>(billing: JobBilling, r: T, ttftMs?: number): T => {
    jobs.push(billing);
    measureRequest(measure);
    if (r.jobReceipt) {
      measureReceipt(measure, { chainId: i.chain.chainId, streamPay: i.chain.contracts.streamPay }, r.jobReceipt, {
        ...(ttftMs !== undefined ? { ttftMs } : {}), ...(r.usage ? { outputTokens: r.usage.completionTokens } : {}),
      });
    }
    if (r.receiptError) {
      receiptErrors.push(r.receiptError);
      if (i.receipts === "require") throw r.receiptError;
    }
    return r;
  };
  let closing: Promise<Receipt> | undefined;
  let rating: Promise<RatingOutcome> | undefined;

  const metered = () => jobs.reduce((sum, j) => sum + j.cost, i.meteredBefore ?? 0n);
  const live = () => {
    if (closing) throw new ClawError("STREAM_ENDED", { message: `Stream ${i.stream.streamId} is closed; open a new session.` });
  };

  function infer(input: string | ChatMessage[], o: InferOptions = {}): InferenceRun {
    let text = "";
    let toolCalls: InferResult["toolCalls"] = [];
    let finishReason: string | undefined;
    let end: ({ billing: JobBilling; usage?: InferResult["usage"] } & ReceiptResult) | undefined;
    const tokens = (async function* () {
      live();
      const sentAt = performance.now();
      let ttftMs: number | undefined;
      try {
        for await (const piece of chatCompletion(target, input, o)) {
          ttftMs ??= Math.round(performance.now() - sentAt);
          if (piece.type === "text") {
            text += piece.text;
            yield piece.text;
          } else if (piece.type === "tools") {
            toolCalls = piece.calls;
            finishReason = piece.finishReason;
          } else {
            const { type: _, ...rest } = piece;
            end = billed(piece.billing, rest, ttftMs);
          }
        }
      } catch (err) {
        // A failure after output is billed (chat-stream.ts puts its billing in details): count it.
        const failedBilling = isClawError(err) ? (err.details?.billing as JobBilling | undefined) : undefined;
        if (failedBilling) {
          jobs.push(failedBilling);
          measureRequest(measure);
        }
        throw err;
      }
    })();
    let whole: Promise<InferResult> | undefined;
    return {
      [Symbol.asyncIterator]: () => tokens,
      result() {
        whole ??= (async () => {
          for await (const _ of tokens);
          if (!end) throw new ClawError("JOB_ABORTED", { message: "The answer was not read to its end, so it has no billing." });
          return { text, toolCalls, ...(finishReason ? { finishReason } : {}), ...end };
        })();
        return whole;
      },
    };
  }

  return {
    stream: i.stream, provider: i.provider, quote: i.quote, jobs, receiptErrors, metered, infer,
    ask: (input, o) => infer(input, o).result(),
    async image(prompt, o) {
      live();
      const r = await generateImages(target, prompt, o);
      return billed(r.billing, r);
    },
    async transcribe(audio, o) {
      live();
      const r = await transcribe(target, audio, o);
      return billed(r.billing, r);
    },
    async close(o) {
      closing ??= closeStream(i.chain, { ...i.stream, recipient: i.stream.recipient, endpoint: i.provider.endpoint, metered: metered(), signer, assumeServed: i.assumeServed ?? false }, o);
      const receipt = await closing;
      if (!(o?.rate ?? i.rate ?? false) && !rating) return receipt;
      // Once per stream, however many times close is called.
      rating ??= rateClosedStream(i.chain, receipt, measure);
      return { ...receipt, rating: await rating };
    },
  };
}
