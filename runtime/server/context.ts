/**
 * What the HTTP layer needs from the rest of the runtime. Routes depend on this type only, so the
 * server can be built around real parts (tests, `claw dev`, `claw start`) without knowing how they
 * were made.
 */
import type { Address, Hex } from "viem";
import type { ReadClient } from "../chain/client.ts";
import type { Backend, Chunk, InferenceJob, PluginKind, Task } from "../../plugins/types.ts";
import type { ClawError } from "../core/errors.ts";
import type { KeyAgreementOffer } from "../core/key-agreement.ts";
import type { JobReceipt, SignedReceipt } from "../core/receipt.ts";
import type { BudgetLedger } from "../scheduler/budget-ledger.ts";
import type { OfferingQueue } from "../scheduler/offering-queue.ts";
import type { JobResult } from "../scheduler/run-job.ts";
import type { Admission } from "./guard/admit.ts";
import type { StoredEvent } from "../core/events.ts";
import type { EventStore } from "../store/types.ts";
import type { Projections } from "../core/projections/index.ts";

export type ServedOffering = {
  model: string;
  providerId: bigint;
  pricePerSecond: bigint;
  serviceType: number;
  maxJobMs: number;
  kind: PluginKind;
  /** The tasks its plugin can do (chat, completion, image, transcription). */
  tasks: readonly Task[];
  plugin: string;
  backend: Backend;
  queue: OfferingQueue;
};

export type HealthReport = {
  ok: boolean;
  chain: { ok: boolean; chainId: number; blockNumber?: string; detail?: string };
  /** `driver`: "better-sqlite3" | "node:sqlite" | "postgres" (a log shared by several instances). */
  store: { ok: boolean; position: number; driver?: string; detail?: string };
  backends: Record<string, { ok: boolean; detail?: string }>;
  /**
   * This instance and the leader roles it holds now (on a SQLite log, the only runtime holds both).
   * `ready` is false while it starts (offerings not registered yet): /health answers 503 until then.
   */
  instance?: { id: string; ready: boolean; roles: { settler: boolean; watcher: boolean } };
};

/** What `claw dev` tells the runtime about its local chain (never set against a real network). */
export type DevContext = { rpcUrl: string; accounts: Array<{ address: Address; privateKey: Hex }> };

export type ServerContext = {
  chainId: number;
  contracts: { registry: Address; streamPay: Address };
  wallet: Address;
  publicUrl: string;
  minJobMs: number;
  offerings: Map<string, ServedOffering>;
  store: EventStore;
  /** The log's projections, kept current as events are appended. */
  views: Projections;
  ledger: BudgetLedger;
  /** The provider's signed X25519 agreement key, published in the quote (x25519 sessions; guard/session-mac.ts). Left out: Ed25519 sessions only. */
  keyAgreement?: KeyAgreementOffer;
  /** Signs each paid job's receipt with the provider's wallet (provider/receipt-signer.ts); once per job. */
  receipts: { sign(receipt: JobReceipt): Promise<SignedReceipt> };
  /** `target`: the request's method and path (path + query), which the proof must be bound to. */
  admit(
    headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array | undefined, offering: ServedOffering, task: string,
    target: { method: string; path: string },
  ): Promise<Admission>;
  runJob(admission: Admission, offering: ServedOffering, job: InferenceJob, io: { signal: AbortSignal; onChunk: (c: Chunk) => void }): Promise<JobResult>;
  /** Appends the JobRejected event; resolves when it is durable (never rejects). */
  reject(error: ClawError, streamId?: bigint): Promise<void>;
  health(): Promise<HealthReport>;
  /** A chain reader (the runtime's own public client). The dashboard lists the registry's providers with it; without it, only the providers in this runtime's log. */
  publicClient?: ReadClient;
  /** Set only under `claw dev`: the local chain's RPC (proxied for the browser) and the funded consumer dev accounts (the dashboard's one-click buyer). */
  dev?: DevContext;
  /** Checks a proof against raw bytes without an offering (stream exists, pays us, signed by its sender): multipart is checked with it before parsing. */
  checkSender?: (headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array, target: { method: string; path: string }) => Promise<void>;
  /** The events this instance appended, as they commit (the per-instance metrics); left out: the whole `store` is this runtime's. */
  ownEvents?: (listener: (e: StoredEvent) => void) => () => void;
  /** Publishes each job's chunks to WebSocket watchers; watching needs the job's token (job-chunks.ts). */
  jobChunks: {
    publish(jobId: string, chunk: Chunk | { type: "end"; cost: string } | { type: "error"; code: string }): void;
    subscribe(jobId: string, fn: (c: unknown) => void): () => void;
    /** The capability to watch `jobId`, for its payer only (the `x-claw-watch` response header). */
    watchToken(jobId: string): string;
    /** Whether `token` is `jobId`'s watch token (constant time; false for malformed input). */
    mayWatch(jobId: string, token: string): boolean;
  };
};
