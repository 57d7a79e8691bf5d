/**
 * `claw gateway`: a local OpenAI-compatible server (127.0.0.1 by default) that buys from the market
 * for any OpenAI client or OpenClaw agent. It is createPayingFetch behind an HTTP server, plus a local
 * API key, a browser-origin rule, and its own event log (streams, payments, receipts) so that a
 * restart closes every stream it left open.
 */
import { join } from "node:path";
import { connectChain, type ChainOptions, type ClientChain } from "../client/chain.ts";
import { createPayingFetch, type PayingFetch, type PayingFetchOptions } from "../client/paying-fetch.ts";
import { committedSince, spentSince, streamedAt } from "../client/chain-spend.ts";
import { DAY_MS, HOUR_MS, remainingAllowance, type SpendLimits } from "../client/spend-limits.ts";
import type { Receipt } from "../client/types.ts";
import { loadOrCreateKey } from "./access.ts";
import { createGatewayApp } from "./app.ts";
import { openGatewayLog, spendOpeningOf, spendStreamOf, type GatewayLog } from "./log.ts";
import { faultBookFromLog, providerStatus, type ProviderStatus } from "./faults.ts";
import { keepReceipt } from "./receipts.ts";
import { createClosePath } from "./closed.ts";
import { recoverStreams, type AfterRecovery } from "./recover.ts";
import type { OpeningOutcome } from "./openings.ts";
import type { FaultBook } from "../client/faults-routing.ts";
import { serveNode } from "./serve-node.ts";
import { queueReceipt, measureRequest, newMeasure, type RatingOutcome, type StreamMeasure } from "../client/rating.ts";

export const DEFAULT_GATEWAY_PORT = 8790;

/** The session and limit settings the gateway hands to createPayingFetch unchanged (one meaning, one place). */
type SessionOptions = Pick<PayingFetchOptions, "maxRequestSeconds" | "expectedSeconds" | "parallel" | "idleCloseMs" | "probe" | "answerLimits" | "avoidFaultySeconds">;

export type GatewayOptions = SessionOptions & {
  chain: ChainOptions;
  /** Holds the key file (`gateway.key`, 0600) and the log (`gateway.db`). */
  stateDir: string;
  host?: string;
  port?: number;
  allowedOrigins?: string[];
  limits?: SpendLimits;
  /**
   * Rate each provider on chain when its stream closes and paid it (default true; `--no-rate`):
   * ComputeRegistry.rateStream from what this gateway measured (client/rating.ts), ~51,600 gas a
   * rating. Streams an earlier run left open are rated as they close too, from what the log kept of them.
   */
  rate?: boolean;
  /** One line per notable thing (stream opened/closed, failover); the CLI prints them on stderr. */
  onNote?: (line: string) => void;
  /** How often an earlier run's still-pending stream openings are looked at again (ms; default 30,000). */
  openingRecheckMs?: number;
};

export type GatewayStatus = {
  url: string; wallet: string; chainId: number; log: string;
  /** What the chain can take now: open streams' max(streamed so far, billed), closed streams' paid (client/chain-spend.ts). Never negative. */
  spent: { lastHour: string; lastDay: string; total: string };
  /** What the limits count: spent plus what open streams can still stream (their whole deposits). */
  committed: { lastHour: string; lastDay: string };
  /** What the limits leave for new streams (absent without a spending limit). */
  remaining?: string;
  refunded: string;
  limits: Record<string, string>;
  openStreams: Array<{ streamId: string; providerId: string; model: string | null; deposit: string; streamed: string; metered: string; requests: number }>;
  closedStreams: number;
  /** Openings logged and not resolved yet (an earlier run died around their broadcast): each counts its whole deposit until resolved (./openings.ts). */
  pendingOpenings: Array<{ txHash: string; providerId: string; deposit: string; since: string }>;
  /** What providers billed (validated: never negative, each request at most its worst case), per model and provider. */
  byModel: Record<string, { requests: number; spent: string }>;
  byProvider: Record<string, { requests: number; spent: string }>;
  /** Each provider's record (requests, faults by kind, last fault, p50 time to first token measured here), from the log (./faults.ts). */
  providers: Record<string, ProviderStatus>;
};

/** The status from the log's state. Pure. */
export function statusOf(log: GatewayLog, meta: { url: string; wallet: string; chainId: number; path: string; limits: SpendLimits; faults?: FaultBook }, now = Date.now()): GatewayStatus {
  const s = log.state();
  const streams = [...s.streams.values()];
  // An earlier run's openings not resolved yet count at their deposit, as the limits count them.
  const counted = [...streams.map(spendStreamOf), ...log.orphanOpenings().map(spendOpeningOf)];
  const str = (m: Map<string, { requests: number; spent: bigint }>) => Object.fromEntries([...m].map(([k, v]) => [k, { requests: v.requests, spent: v.spent.toString() }]));
  const committed = { hour: committedSince(counted, now - HOUR_MS), day: committedSince(counted, now - DAY_MS) };
  const remaining = remainingAllowance(meta.limits, committed.hour, committed.day);
  return {
    url: meta.url, wallet: meta.wallet, chainId: meta.chainId, log: meta.path,
    spent: { lastHour: spentSince(counted, now - HOUR_MS, now).toString(), lastDay: spentSince(counted, now - DAY_MS, now).toString(), total: spentSince(counted, 0, now).toString() },
    committed: { lastHour: committed.hour.toString(), lastDay: committed.day.toString() },
    ...(remaining !== undefined ? { remaining: remaining.toString() } : {}),
    refunded: streams.reduce((t, x) => t + x.refunded, 0n).toString(),
    limits: Object.fromEntries(Object.entries(meta.limits).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])),
    openStreams: streams.filter((x) => x.status === "active").map((x) => ({
      streamId: x.streamId.toString(), providerId: x.providerId.toString(), model: x.model ?? null, deposit: x.deposit.toString(),
      streamed: streamedAt(spendStreamOf(x), now).toString(), metered: x.metered.toString(), requests: x.requests,
    })),
    closedStreams: streams.filter((x) => x.status !== "active").length,
    pendingOpenings: log.orphanOpenings().map((o) => ({
      txHash: o.intent.txHash, providerId: o.intent.providerId.toString(), deposit: o.intent.deposit.toString(), since: new Date(o.time).toISOString(),
    })),
    byModel: str(s.byModel), byProvider: str(s.byProvider),
    providers: providerStatus(s.byProvider, meta.faults ?? faultBookFromLog(log.store), now),
  };
}

export type RunningGateway = {
  url: string; key: string; keyCreated: boolean; keyFile: string; logPath: string;
  chain: ClientChain; payingFetch: PayingFetch; log: GatewayLog;
  /** Closing the streams a previous run left open (started at boot, runs beside serving). */
  recovered: Promise<{ receipts: Receipt[]; failed: Array<{ streamId: bigint; error: string }>; openings: OpeningOutcome[] }>;
  status(): GatewayStatus;
  /** The ratings this run posted or could not post, oldest first (the last 1,000). */
  ratings(): readonly RatingOutcome[];
  /** Stops serving, closes every open stream (settle, else cancel), closes the log. */
  close(): Promise<void>;
};

/**
 * @example
 * const gw = await startGateway({ chain: { rpcUrl, privateKey, contracts }, stateDir: ".claw" });
 * const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key });
 */
export async function startGateway(o: GatewayOptions): Promise<RunningGateway> {
  const note = o.onNote ?? (() => undefined);
  const chain = await connectChain(o.chain);
  if (!chain.wallet) throw new Error("The gateway needs a wallet (PRIVATE_KEY, or a local market's consumer account).");
  const keyFile = join(o.stateDir, "gateway.key");
  const { key, created } = loadOrCreateKey(keyFile);
  const logPath = join(o.stateDir, "gateway.db");
  const log = openGatewayLog(logPath, chain.wallet.address);
  const limits = o.limits ?? {};
  // Faults caught before a restart keep their provider avoided for the rest of its time.
  const faults = faultBookFromLog(log.store, o.avoidFaultySeconds !== undefined ? o.avoidFaultySeconds * 1000 : undefined);
  // What this run measured of each stream it opened, for its rating; dropped when the stream closes.
  const measures = new Map<bigint, StreamMeasure>();
  const ratings: RatingOutcome[] = [];
  // One close path for every stream, live or left open by an earlier run: logged, checked for an overcharge, rated.
  const onStreamClosed = createClosePath({ chain, log, faults, rate: o.rate ?? true, note, ratings });
  const afterRecovery: AfterRecovery = async (s, receipt, how) => {
    note(`closed stream ${s.streamId} left open by an earlier run (${receipt.closedBy}: paid ${receipt.paid}, refunded ${receipt.refunded} wei)`);
    // A stream found from its logged opening served nothing: not rated.
    await onStreamClosed(s, receipt, how.unused ? "skip" : undefined);
  };
  const noteRecovery = <R extends Awaited<ReturnType<typeof recoverStreams>>>(r: R): R => {
    for (const x of r.openings) note(`opening ${x.txHash} left by an earlier run: ${x.outcome} (${x.detail})`);
    for (const f of r.failed) note(`could not close stream ${f.streamId} yet: ${f.error}`);
    return r;
  };
  const recovered = recoverStreams(chain, log, afterRecovery).then(noteRecovery);
  // An earlier run's openings still pending are looked at again after each stream this run opens (one look at a time).
  let relook: Promise<unknown> | undefined;
  const lookAgain = () => {
    if (relook || log.orphanOpenings().length === 0) return;
    relook = recovered.then(() => recoverStreams(chain, log, afterRecovery, { openingsOnly: true })).then(noteRecovery)
      .catch((err: unknown) => note(`looking again at pending openings failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => (relook = undefined));
  };
  // ...and on a timer, so a stuck or dropped one resolves (and its deposit stops counting) without waiting for traffic.
  const relookTimer = setInterval(lookAgain, o.openingRecheckMs ?? 30_000);
  relookTimer.unref();
  const payingFetch = createPayingFetch({
    chain, limits, faultBook: faults, ...(o.answerLimits ? { answerLimits: o.answerLimits } : {}),
    maxRequestSeconds: o.maxRequestSeconds, expectedSeconds: o.expectedSeconds, parallel: o.parallel, idleCloseMs: o.idleCloseMs, probe: o.probe,
    ledger: log.ledger,
    hooks: {
      // Durable before the opening is broadcast: a crash from here on never forgets the deposit (./openings.ts).
      onOpening: (intent) => log.streamOpening(intent),
      onOpened: (lane) => {
        log.streamOpened(lane);
        measures.set(lane.stream.streamId, newMeasure());
        note(`opened stream ${lane.stream.streamId} to provider #${lane.provider.id} (${lane.provider.model}, deposit ${lane.stream.deposit} wei)`);
        lookAgain();
      },
      onPaid: (p) => {
        const m = measures.get(p.lane.stream.streamId);
        if (m) measureRequest(m);
        log.paid(p);
      },
      onClosed: async (lane, receipt) => {
        note(`closed stream ${receipt.streamId} (${receipt.closedBy}: paid ${receipt.paid}, refunded ${receipt.refunded} wei)`);
        const m = measures.get(lane.stream.streamId);
        measures.delete(lane.stream.streamId);
        // A stream whose opening failed after it was on chain served nothing: not rated.
        await onStreamClosed(lane.stream, receipt, lane.abandoned || !m ? "skip" : m);
      },
      onCloseFailed: (lane, err) => note(`closing stream ${lane.stream.streamId} failed: ${err instanceof Error ? err.message : String(err)}`),
      onFailover: (p, err) => note(`provider #${p.id} ${p.endpoint} failed before answering (${err.code}); trying the next`),
      onReceipt: (lane, receipt, measuredTtftMs) => {
        keepReceipt(log.store, { providerId: lane.provider.id, signer: lane.stream.recipient, receipt, ...(measuredTtftMs !== undefined ? { measuredTtftMs } : {}) });
        const m = measures.get(lane.stream.streamId);
        if (m) queueReceipt(m, { chainId: chain.chainId, streamPay: chain.contracts.streamPay }, receipt, measuredTtftMs !== undefined ? { ttftMs: measuredTtftMs } : {});
      },
      onProviderFault: (p, f) => {
        log.fault(f);
        note(`provider #${p.id} fault (${f.kind}): ${f.detail}`);
      },
    },
  });

  let url = "";
  const status = () => statusOf(log, { url, wallet: chain.wallet!.address, chainId: chain.chainId, path: logPath, limits, faults });
  const app = createGatewayApp({ key, allowedOrigins: o.allowedOrigins ?? [], payingFetch, status: async () => status() });
  const server = await serveNode(app, { host: o.host ?? "127.0.0.1", port: o.port ?? DEFAULT_GATEWAY_PORT });
  url = server.url;
  let closing: Promise<void> | undefined;
  return {
    url, key, keyCreated: created, keyFile, logPath, chain, payingFetch, log, recovered, status, ratings: () => ratings,
    close() {
      closing ??= (async () => {
        clearInterval(relookTimer);
        await server.close();
        await Promise.allSettled([recovered, relook, payingFetch.close()]);
        log.close();
      })();
      return closing;
    },
  };
}
