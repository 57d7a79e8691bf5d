/**
 * ClawCompute consumer SDK (`import { createClawClient } from "clawcompute"`): discover providers of
 * a model, quote, open a payment stream sized for the job, stream answers with signed requests,
 * settle and get a receipt. See ./README.md.
 */
export { createClawClient, type ClawClient, type ClawClientOptions, type OneShotResult, type OpenSessionOptions } from "./client.ts";
export { connectChain, type ChainOptions, type ClientChain, type Contracts } from "./chain.ts";
export { discover, probeHealth, type DiscoverOptions } from "./discover.ts";
export { fetchQuote } from "./quote.ts";
export { sizeStream, type SizeInput, type StreamSize } from "./stream-size.ts";
export { createStream, type OpenedStream } from "./open-stream.ts";
export { startSession, type InferenceRun, type Session, type SessionInput } from "./session.ts";
export { closeStream, readReceipt, requestSettle, type CloseOptions } from "./close-stream.ts";
export { activeProviders, providersOfModel, providersOfWallet, readProvider, reputationsOf } from "./registry.ts";
export { byRank, effectivePrice, qualityBp, rankProviders, RANK_RULE, type Rankable } from "./rank.ts";
export { rateClosedStream, rateable, ratingOf, type RatingOutcome, type StreamMeasure } from "./rating.ts";
export type { Reputation } from "../chain/actions/get-reputation.ts";
export { createDirectSigner, createSessionSigner, type PaymentSigner } from "./payment-signer.ts";
export { createPayingFetch, type PaidRequest, type PayingFetch, type PayingFetchHooks, type PayingFetchOptions, type SpendLedger } from "./paying-fetch.ts";
export { decideSpend, remainingAllowance, type SpendLimits } from "./spend-limits.ts";
export { committedSince, spentSince, streamedAt, type SpendStream } from "./chain-spend.ts";
export type { ProviderFault, ProviderFaultKind } from "./faults.ts";
export { receiptOutcome, verifyReceipt, type ReceiptCheck, type ReceiptExpectation, type ReceiptMismatch, type ReceiptTerms, type SentProof } from "./verify-receipt.ts";
export { outputDigest, receiptFromWire, receiptSigner, receiptToWire, type DeliveredOutput, type JobReceipt, type SignedReceipt, type WireReceipt } from "../core/receipt.ts";
export { listMarketModels, marketModels, type MarketModel } from "./market-models.ts";
export { ClawError, isClawError, type ErrorCode } from "../core/errors.ts";
export type * from "./types.ts";
