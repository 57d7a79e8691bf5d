/**
 * The consumer SDK's public shapes. Amounts are bigint wei everywhere; JSON output (the CLI's
 * `--json`) turns them into decimal strings.
 */
import type { Address, Hash } from "viem";
import type { RegistryProvider } from "../chain/actions/get-provider.ts";
import type { Reputation } from "../chain/actions/get-reputation.ts";
import type { ClawError } from "../core/errors.ts";
import type { KeyAgreementOffer } from "../core/key-agreement.ts";
import type { SignedReceipt } from "../core/receipt.ts";

/** A registry offering as the chain holds it (the getProvider action's shape), plus the optional health probe of its endpoint. */
export type ProviderInfo = RegistryProvider & {
  /** Present when discover() probed the endpoint: GET /health, its status and round-trip time. */
  health?: { ok: boolean; latencyMs: number; detail?: string };
  /** Present when discover() read it: the registry's ratings of this provider (null: none readable). Ranking: ./rank.ts. */
  reputation?: Reputation | null;
};

export type OfferingKind = "text" | "image" | "audio";

/** GET {endpoint}/v1/quote?model= — what the provider asks and where to pay it. */
export type Quote = {
  model: string;
  kind: OfferingKind;
  providerId: bigint;
  recipient: Address;
  pricePerSecond: bigint;
  serviceType: number;
  minJobMs: number;
  maxJobSeconds: number;
  queue: { waiting: number; running: number; expectedWaitMs: number };
  suggested: { durationSeconds: number; deposit: bigint };
  chainId: number;
  contracts: { registry: Address; streamPay: Address };
  /** The provider's X25519 agreement key signed by its wallet (`payment.keyAgreement`): sessions then prove requests with a MAC. */
  keyAgreement?: KeyAgreementOffer;
};

/**
 * What the provider reported it billed for one job (the `claw` object of every paid response).
 * `receipt` is the provider-signed job receipt (`claw.receipt`, core/receipt.ts) when the answer
 * carried a well-formed one; check it with verifyReceipt (verify-receipt.ts) before trusting it.
 */
export type JobBilling = { jobId: string; streamId: bigint; meteredMs: number; cost: bigint; pricePerSecond: bigint; receipt?: SignedReceipt };

/**
 * The job receipt check of one paid answer (verify-receipt.ts): `jobReceipt` is the provider-signed
 * receipt once it verified; otherwise `receiptError` (RECEIPT_INVALID, `details.mismatch` names the
 * failed check). The answer was paid for either way, so it is returned with the error, not instead.
 */
export type ReceiptResult = { jobReceipt?: SignedReceipt; receiptError?: ClawError };

/** A call the model asks the caller to make (OpenAI's wire shape; `arguments` is a JSON string). */
export type ToolCall = { id: string; type: "function"; function: { name: string; arguments: string } };

/** A tool the model may call (OpenAI's wire shape; `parameters` is a JSON Schema). */
export type ToolDefinition = { type: "function"; function: { name: string; description?: string; parameters?: Record<string, unknown> } };

/** One message of a conversation, in OpenAI's wire shape (tool calls and their results included). */
export type ChatMessage =
  | { role: "system" | "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: ToolCall[] }
  | { role: "tool"; tool_call_id: string; content: string };

export type InferOptions = {
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** Tools the model may call instead of answering (the offering must declare the `tools` capability). */
  tools?: ToolDefinition[];
  toolChoice?: "auto" | "none" | "required" | { type: "function"; function: { name: string } };
  parallelToolCalls?: boolean;
};

/** The whole answer of one text job: its text and/or the tool calls it asks for, and its billing. */
export type InferResult = {
  text: string;
  /** The calls the model asks for (empty when it answered in text). */
  toolCalls: ToolCall[];
  /** Why the answer ended: "stop", "length", "tool_calls", … (as the provider said). */
  finishReason?: string;
  billing: JobBilling;
  usage?: { promptTokens: number; completionTokens: number };
} & ReceiptResult;

export type ImageResult = { images: Uint8Array[]; billing: JobBilling } & ReceiptResult;

export type TranscriptionResult = { text: string; language?: string; duration?: number; billing: JobBilling } & ReceiptResult;

/**
 * How a stream ended and who got what. `paid` went to the provider, `refunded` back to the sender
 * (keeper fees, only on expired streams closed by a third party, are in `keeperFee`).
 * `gasPaid` is what this wallet spent on gas for this stream (open, plus cancel when it had to).
 */
export type Receipt = {
  streamId: bigint;
  providerId: bigint;
  recipient: Address;
  deposit: bigint;
  /** Sum of the job costs the provider reported. */
  metered: bigint;
  paid: bigint;
  refunded: bigint;
  keeperFee: bigint;
  closedBy: "provider-settle" | "consumer-cancel" | "provider-cancel" | "keeper" | "depleted";
  txHashes: { open: Hash; close?: Hash };
  gasPaid: bigint;
};

/** Progress while waiting for the chain or a provider (the CLI shows it as a line on stderr). */
export type ProgressEvent = {
  phase: "discover" | "quote" | "open" | "confirm" | "infer" | "settle" | "wait-settle" | "cancel" | "tx";
  message: string;
  txHash?: Hash;
};
export type OnProgress = (event: ProgressEvent) => void;
