/**
 * The runtime's JSON routes the page reads (all same-origin; amounts are decimal strings of wei).
 * See runtime/server/routes/dashboard.ts and records.ts for the server side.
 */
import type { Address, Hex } from "viem";

export type DashboardInfo = {
  chainId: number;
  contracts: { registry: Address; streamPay: Address };
  wallet: Address;
  publicUrl: string;
  dev: boolean;
  logPosition: number;
  offerings: Array<{ model: string; kind: string; providerId: string; pricePerSecond: string; serviceType: number }>;
  recentStreams: Array<{ streamId: string; status: string; sender: string | null; deposit: string; metered: string; jobs: number; lastTime: number }>;
};

export type Health = { ok: boolean; latencyMs: number; detail?: string };

export type MarketProvider = {
  id: string; wallet: Address; model: string; endpoint: string; pricePerSecond: string; pricePerMinute: string; serviceType: number;
  active: boolean; completedJobs: string; totalEarned: string; registeredAt: string; self: boolean; health: Health;
  /** Discovery's ranking key (runtime/client/rank.ts): price / quality from the reputation. */
  effectivePricePerSecond?: string;
  /** The registry's ratings (absent when the market was read from the log; null when unreadable). */
  reputation?: Reputation | null;
};

/** ComputeRegistry.getReputation as the runtime serves it: sums weighted by what raters paid (gwei), averages = sum / weight. */
export type Reputation = {
  ratings: string; paidByRaters: string; weight: string;
  averages: { score: string; ttftMs: string; tokensPerSecond: string; failures: string } | null;
};

export type Market = { chainId: number; source: "chain" | "log"; readAt: number; models: string[]; providers: MarketProvider[] };

export type EarningsBucket = { jobs: number; failed: number; meteredMs: string; earned: string };
export type Earnings = {
  wallet: Address;
  total: EarningsBucket;
  settled: string;
  byOffering: Array<EarningsBucket & { model: string }>;
  byDay: Array<EarningsBucket & { day: string; settled: string }>;
  timeline: { stepMs: number; points: Array<{ t: number; earned: string; settled: string; jobs: number }> };
};

export type ChainRef = { blockNumber: string; txHash: string; logIndex: number };

export type JobView = {
  jobId: string; streamId: string; offering: string; task: string; pricePerSecond: string; status: "accepted" | "running" | "completed" | "failed";
  acceptedAt: number | null; startedAt: number | null; endedAt: number | null; queuedMs: number | null; meteredMs: string; cost: string;
  tokens: { prompt?: number; completion?: number } | null; error: { code: string; message: string } | null;
};

/** GET /v1/streams/:id — the stream as this provider's log knows it, with its jobs. */
export type StreamRecord = {
  streamId: string; status: "none" | "active" | "settled" | "cancelled" | "depleted";
  sender: string | null; recipient: string | null; providerId: string | null; deposit: string; startTime: string; duration: string;
  ratePerSecond: string; jobsCompleted: number; jobsFailed: number; meteredMs: string; metered: string;
  settlementSubmitted: string | null; settled: string | null; paidToRecipient: string; withdrawn: string; refunded: string; keeperFees: string;
  rejections: number; opened: ChainRef | null; closed: ChainRef | null; lastTime: number; reserved: string; acceptingJobs: boolean; jobs: JobView[];
};

export type DevAccounts = { chainId: number; rpcPath: string; accounts: Array<{ address: Address; privateKey: Hex; balance?: string }> };

/** An event of the log as the WebSocket sends it. */
export type FeedEvent = { position: number; type: string; key: string; time: number; data: Record<string, unknown> };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @example
 * const info = await getJson<DashboardInfo>("/v1/dashboard");
 */
export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { ...init, headers: { accept: "application/json", ...(init?.headers ?? {}) } });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `${path} answered ${res.status}`);
  }
  return body as T;
}
