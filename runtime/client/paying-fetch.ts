/**
 * `createPayingFetch(options)`: a `fetch` that buys from the market, for any OpenAI-compatible client
 * (`new OpenAI({ baseURL, apiKey, fetch })`, the Vercel AI SDK, LangChain). The base URL's host does
 * not matter: the model in each request picks the providers (registry, cheapest first within the
 * price limit), and each request is signed for exactly the bytes sent and the route it goes to.
 *
 * - Sessions: one stream per provider, opened on first use, reused, replaced when spent, closed when
 *   idle (./lanes.ts). `close()` closes them all and returns the receipts.
 * - Limits (./spend-limits.ts): max price per second, max deposit per stream, max spend per hour and
 *   per day. Spending is what the chain can take (./chain-spend.ts): every open stream's whole
 *   deposit and what closed ones paid, never what providers report; each stream's deposit is reserved
 *   before the check, atomically (./spend-book.ts), and sized to what the limits leave, so the chain
 *   can never take more than a limit, however many requests run at once. A request over a limit is
 *   answered with an OpenAI-shaped error and opens nothing; only a spending limit reached (and a price
 *   above the maximum) is 402. A provider's reported cost that is negative or above the request's
 *   worst case is refused and reported as a fault (hooks.onProviderFault, ./billing-check.ts).
 * - Hostile providers: every answer is read under byte caps (./answer-limits.ts), its claw.receipt is
 *   verified (./answer-checks.ts; a verified one goes to hooks.onReceipt), and every fault (lying cost,
 *   bad receipt, oversized or malformed answer, failure before the first token) goes to the fault book,
 *   which tries a recently faulty provider only after all others (./faults-routing.ts).
 * - Failover: unreachable, 5xx, a refusal or an error event before the first token -> the next
 *   provider. Never after output was delivered, so one request is never paid twice. All failed:
 *   PROVIDERS_EXHAUSTED (503, retryable).
 * The gateway (runtime/gateway) is this fetch behind a local HTTP server.
 */
import { ClawError, isClawError } from "../core/errors.ts";
import { connectChain, type ChainOptions, type ClientChain } from "./chain.ts";
import { discover } from "./discover.ts";
import { judgeBilling } from "./billing-check.ts";
import { answerLimits, type AnswerLimits } from "./answer-limits.ts";
import { checkDelivery } from "./answer-checks.ts";
import { providerFault, type ProviderFault } from "./faults.ts";
import { createFaultBook, type FaultBook } from "./faults-routing.ts";
import type { SignedReceipt } from "../core/receipt.ts";
import { createLanes, type Lane, type LaneHooks } from "./lanes.ts";
import { listMarketModels } from "./market-models.ts";
import { errorResponse, readMarketRequest, type MarketRequest } from "./openai-request.ts";
import { attempt, type Attempt, type Proof } from "./relay.ts";
import { createSpendBook, type SpendLedger } from "./spend-book.ts";
import { withinPrice, type SpendLimits } from "./spend-limits.ts";
import type { JobBilling, ProviderInfo, Receipt } from "./types.ts";

export type { SpendLedger } from "./spend-book.ts";

/** One request that was paid; `counted` is its validated billing, or its worst case when none (or a refused one) arrived. */
export type PaidRequest = { lane: Lane; model: string; route: string; billing?: JobBilling; counted: bigint; proof: Proof };

export type PayingFetchHooks = LaneHooks & {
  onPaid?(p: PaidRequest): void | Promise<void>;
  onFailover?(from: ProviderInfo, error: ClawError): void;
  /** A provider did something wrong to the consumer (a lying cost, …): for routing, status and the log. */
  onProviderFault?(provider: ProviderInfo, fault: ProviderFault): void;
  /** A provider-signed job receipt that verified (./answer-checks.ts), with the time to first token measured here: evidence to keep. */
  onReceipt?(lane: Lane, receipt: SignedReceipt, measuredTtftMs?: number): void | Promise<void>;
};

export type PayingFetchOptions = (ChainOptions | { chain: ClientChain }) & {
  limits?: SpendLimits;
  /** A request is cut after this long (default 120 s): it bounds what one request can cost. */
  maxRequestSeconds?: number;
  /** Compute seconds one stream should buy before it is replaced (default 120). */
  expectedSeconds?: number;
  /** Requests at once per provider stream (default 1; the stream then pays price × parallel per second). */
  parallel?: number;
  /** Close a provider's stream after this long without requests (default 60 s). */
  idleCloseMs?: number;
  /** Probe providers' /health before choosing (default true). */
  probe?: boolean;
  /** Reuse a model's discovered providers this long (default 15 s): registry reads and health probes stay off the request path. */
  discoveryTtlMs?: number;
  /** Streams opened by earlier runs, counted against the limits too (the gateway's log); this process's own are kept in memory. */
  ledger?: SpendLedger;
  /** Byte caps on what providers answer (./answer-limits.ts has the defaults). */
  answerLimits?: Partial<AnswerLimits>;
  /** Providers' faults and answers, for routing (./faults-routing.ts); the gateway passes one replayed from its log. */
  faultBook?: FaultBook;
  /** Without a faultBook: how long a faulty provider is avoided (default 300 s). */
  avoidFaultySeconds?: number;
  hooks?: PayingFetchHooks;
};

export type PayingFetch = ((input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) & {
  /** Closes every open stream (settle, else cancel) and resolves with their receipts. */
  close(): Promise<Receipt[]>;
  /** The streams open now. */
  lanes(): Promise<Lane[]>;
  /** What the chain can take now, from the streams of the last hour and day (wei; see ./chain-spend.ts). */
  spent(): Promise<{ hour: bigint; day: bigint }>;
  /** The same with what open streams can still stream (committed, what the limits count) and what the limits leave. */
  budget(): { spent: { hour: bigint; day: bigint; total: bigint }; committed: { hour: bigint; day: bigint }; remaining?: bigint };
  chain(): Promise<ClientChain>;
  /** Each provider's faults and answers (what routing avoids). */
  faults: FaultBook;
};

/** Why a provider cannot be used (down, quote not its own, quote or deposit above a limit): the next may. */
const skippable = new Set<string>(["PROVIDER_UNREACHABLE", "PROVIDER_FAILED", "QUOTE_MISMATCH", "PRICE_ABOVE_MAX", "SPEND_LIMIT_REACHED"]);

/**
 * @example
 * const payingFetch = createPayingFetch({ rpcUrl, privateKey, contracts, limits: { maxSpendPerDay: 10n ** 16n } });
 * const openai = new OpenAI({ baseURL: "http://market.invalid/v1", apiKey: "unused", fetch: payingFetch });
 */
export function createPayingFetch(o: PayingFetchOptions): PayingFetch {
  const limits = o.limits ?? {};
  const maxRequestSeconds = o.maxRequestSeconds ?? 120;
  const book = createSpendBook(limits, o.ledger);
  const caps = answerLimits(o.answerLimits);
  const faults = o.faultBook ?? createFaultBook(o.avoidFaultySeconds !== undefined ? { avoidMs: o.avoidFaultySeconds * 1000 } : {});
  const reportFault = (provider: ProviderInfo, f: ProviderFault) => {
    faults.record(f);
    o.hooks?.onProviderFault?.(provider, f);
  };
  let chainP: Promise<ClientChain> | undefined;
  const chainOf = () => (chainP ??= "chain" in o ? Promise.resolve(o.chain) : connectChain(o));
  let lanesP: Promise<ReturnType<typeof createLanes>> | undefined;
  const lanesOf = () =>
    (lanesP ??= chainOf().then((chain) =>
      createLanes({
        chain, maxRequestSeconds, book,
        ...(limits.maxPricePerSecond !== undefined ? { maxPricePerSecond: limits.maxPricePerSecond } : {}),
        ...(limits.maxDepositPerStream !== undefined ? { maxDepositPerStream: limits.maxDepositPerStream } : {}),
        ...(o.expectedSeconds !== undefined ? { expectedSeconds: o.expectedSeconds } : {}),
        ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
        ...(o.idleCloseMs !== undefined ? { idleCloseMs: o.idleCloseMs } : {}),
        ...(o.hooks ? { hooks: o.hooks } : {}),
      }),
    ));

  const discovered = new Map<string, { at: number; providers: Promise<ProviderInfo[]> }>();
  function providersOf(chain: ClientChain, model: string): Promise<ProviderInfo[]> {
    const hit = discovered.get(model);
    if (hit && Date.now() - hit.at < (o.discoveryTtlMs ?? 15_000)) return hit.providers;
    const providers = discover(chain, model, { probe: o.probe ?? true });
    discovered.set(model, { at: Date.now(), providers });
    providers.catch(() => discovered.delete(model));
    if (discovered.size > 1000) discovered.delete(discovered.keys().next().value!);
    return providers;
  }

  async function spent(): Promise<{ hour: bigint; day: bigint }> {
    const { hour, day } = book.summary().spent;
    return { hour, day };
  }

  async function paid(r: Extract<MarketRequest, { kind: "paid" }>, signal: AbortSignal): Promise<Response> {
    const chain = await chainOf();
    const found = await providersOf(chain, r.model);
    // Providers avoided for a recent fault are tried last (./faults-routing.ts).
    const candidates = faults.route(withinPrice(found, limits, r.model));
    const lanes = await lanesOf();
    const failures: ClawError[] = [];
    for (const provider of candidates) {
      // The limits are checked where a stream's deposit is reserved (lanes → spend book), before it opens.
      let lane: Lane;
      let worstCase: bigint;
      try {
        ({ lane, worstCase } = await lanes.acquire(provider));
      } catch (err) {
        if (!isClawError(err) || !skippable.has(err.code)) throw err;
        failures.push(err);
        // A limit refusing a new stream here: another provider's open stream (already counted) may still serve.
        if (err.code !== "SPEND_LIMIT_REACHED") o.hooks?.onFailover?.(provider, err);
        continue;
      }
      let result;
      try {
        result = await attempt(lane, r, signal, { limits: caps, onFault: (kind, detail) => reportFault(provider, providerFault(provider.id, kind, detail)) });
      } catch (err) {
        lanes.release(lane, worstCase, 0n);
        throw err;
      }
      if (!result.ok) {
        lanes.release(lane, worstCase, 0n);
        if (result.retireLane) void lanes.retire(lane);
        // A provider that did not answer is probed again before the next request tries it first.
        if (result.error.code === "PROVIDER_UNREACHABLE") discovered.delete(r.model);
        failures.push(result.error);
        o.hooks?.onFailover?.(provider, result.error);
        continue;
      }
      void result.billing.then(async (billing) => {
        // A reported cost only lowers the request's worst case; a lying one is refused and a fault.
        // No billing seen (cut stream, text formats): counted at the worst case, the lane keeps 0.
        const judged = judgeBilling(billing, { providerId: provider.id, streamId: lane.stream.streamId, worstCase });
        if (judged.fault) reportFault(provider, judged.fault);
        const counted = judged.counted;
        // Released before the receipt is checked (an async signature recovery): a close() right after
        // the answer must see this request's billing, or it would settle for less than was metered.
        lanes.release(lane, worstCase, billing ? counted : 0n);
        book.billed(lane.stream.streamId, counted);
        // Recorded before the receipt check awaits, so the spending a caller reads after the answer includes it.
        await o.hooks?.onPaid?.({ lane, model: r.model, route: r.route, counted, proof: result.proof, ...(billing ? { billing } : {}) });
        if (!judged.fault) await judgeReceipt(provider, lane, r, result, chain);
      });
      return result.response;
    }
    // Every provider was refused by a limit: that is the answer (402), not a market failure.
    const byLimit = (f: ClawError) => f.code === "PRICE_ABOVE_MAX" || f.code === "SPEND_LIMIT_REACHED";
    if (failures.length > 0 && failures.every(byLimit)) throw failures.find((f) => f.code === "SPEND_LIMIT_REACHED") ?? failures[0]!;
    throw new ClawError("PROVIDERS_EXHAUSTED", {
      message: `No provider of "${r.model}" answered: ${failures.map((f) => f.message).join("; ").slice(0, 1000)}`,
      details: { model: r.model, failures: failures.map((f) => ({ code: f.code, providerCode: f.details?.providerCode ?? null })) },
    });
  }

  /** The delivered answer's receipt: a fault when missing or wrong, else kept (hooks.onReceipt). Never throws. */
  async function judgeReceipt(provider: ProviderInfo, lane: Lane, r: Extract<MarketRequest, { kind: "paid" }>, result: Extract<Attempt, { ok: true }>, chain: ClientChain): Promise<void> {
    try {
      const delivery = await result.delivery;
      const v = await checkDelivery({ lane, body: r.body, proof: result.proof, delivery, maxRequestSeconds, chainId: chain.chainId, streamPay: chain.contracts.streamPay });
      if (v.fault) reportFault(provider, providerFault(provider.id, v.fault.kind, v.fault.detail));
      else if (v.receipt) {
        faults.answered(provider.id, delivery.ttftMs);
        await o.hooks?.onReceipt?.(lane, v.receipt, delivery.ttftMs);
      }
    } catch {
      // Keeping evidence must never break the answer that was already delivered.
    }
  }

  const payingFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    try {
      const req = new Request(input, init);
      const r = await readMarketRequest(req);
      if (r.kind === "models") {
        return new Response(JSON.stringify(await listMarketModels(await chainOf())), { headers: { "content-type": "application/json" } });
      }
      const signal = AbortSignal.any([req.signal, AbortSignal.timeout(maxRequestSeconds * 1000)]);
      return await paid(r, signal);
    } catch (err) {
      if (err instanceof ClawError) return errorResponse(err);
      throw err;
    }
  };

  return Object.assign(payingFetch, {
    async close() {
      if (!lanesP) return [];
      const receipts = await (await lanesP).closeAll();
      return receipts.filter((x): x is Receipt => x !== undefined);
    },
    async lanes() {
      return lanesP ? (await lanesP).list() : [];
    },
    spent,
    budget: () => book.summary(),
    chain: chainOf,
    faults,
  });
}
