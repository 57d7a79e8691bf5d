/**
 * `createPayingFetch(options)`: a `fetch` that buys from the market, for any OpenAI-compatible client
 * (`new OpenAI({ baseURL, apiKey, fetch })`, the Vercel AI SDK, LangChain). The base URL's host does
 * not matter: the model in each request picks the providers (registry, cheapest first within the
 * price limit), and each request is signed for exactly the bytes sent and the route it goes to.
 *
 * - Sessions: one stream per provider, opened on first use, reused, replaced when spent, closed when
 *   idle (./lanes.ts). `close()` closes them all and returns the receipts.
 * - Limits (./spend-limits.ts): max price per second, max deposit per stream, max spend per hour and
 *   per day. A request over a limit is answered with an OpenAI-shaped error and opens nothing; only
 *   a spending limit reached (and a price above the maximum) is 402.
 * - Failover: unreachable, 5xx, a refusal or an error event before the first token -> the next
 *   provider. Never after output was delivered, so one request is never paid twice. All failed:
 *   PROVIDERS_EXHAUSTED (503, retryable).
 * The gateway (runtime/gateway) is this fetch behind a local HTTP server.
 */
import { ClawError, isClawError } from "../core/errors.ts";
import { connectChain, type ChainOptions, type ClientChain } from "./chain.ts";
import { discover } from "./discover.ts";
import { createLanes, type Lane, type LaneHooks } from "./lanes.ts";
import { listMarketModels } from "./market-models.ts";
import { errorResponse, readMarketRequest, type MarketRequest } from "./openai-request.ts";
import { attempt, type Proof } from "./relay.ts";
import { DAY_MS, HOUR_MS, decideSpend, spentSince, withinPrice, worstCaseCost, type SpendLimits, type SpendRecord } from "./spend-limits.ts";
import type { JobBilling, ProviderInfo, Receipt } from "./types.ts";

/** Where spending is remembered (in memory by default; the gateway keeps it in its SQLite log). */
export type SpendLedger = {
  records(since: number): SpendRecord[] | Promise<SpendRecord[]>;
};

/** One request that was paid (or counted at its worst case because its billing never arrived). */
export type PaidRequest = { lane: Lane; model: string; route: string; billing?: JobBilling; counted: bigint; proof: Proof };

export type PayingFetchHooks = LaneHooks & {
  onPaid?(p: PaidRequest): void | Promise<void>;
  onFailover?(from: ProviderInfo, error: ClawError): void;
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
  ledger?: SpendLedger;
  hooks?: PayingFetchHooks;
};

export type PayingFetch = ((input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) & {
  /** Closes every open stream (settle, else cancel) and resolves with their receipts. */
  close(): Promise<Receipt[]>;
  /** The streams open now. */
  lanes(): Promise<Lane[]>;
  /** Spending in the last hour and day (wei). */
  spent(): Promise<{ hour: bigint; day: bigint }>;
  chain(): Promise<ClientChain>;
};

/** Why a provider cannot be used (down, quote not its own, quote or deposit above a limit): the next may. */
const skippable = new Set<string>(["PROVIDER_UNREACHABLE", "PROVIDER_FAILED", "QUOTE_MISMATCH", "PRICE_ABOVE_MAX"]);

/** The last day's spending, in memory (createPayingFetch's default ledger). */
function memoryLedger(): SpendLedger & { add(r: SpendRecord): void } {
  let all: SpendRecord[] = [];
  const add = (r: SpendRecord) => void (all = [...all.filter((x) => x.at >= Date.now() - DAY_MS), r]);
  return { add, records: (since) => all.filter((r) => r.at >= since) };
}

/**
 * @example
 * const payingFetch = createPayingFetch({ rpcUrl, privateKey, contracts, limits: { maxSpendPerDay: 10n ** 16n } });
 * const openai = new OpenAI({ baseURL: "http://market.invalid/v1", apiKey: "unused", fetch: payingFetch });
 */
export function createPayingFetch(o: PayingFetchOptions): PayingFetch {
  const limits = o.limits ?? {};
  const maxRequestSeconds = o.maxRequestSeconds ?? 120;
  const memory = memoryLedger();
  const ledger = o.ledger ?? memory;
  let chainP: Promise<ClientChain> | undefined;
  const chainOf = () => (chainP ??= "chain" in o ? Promise.resolve(o.chain) : connectChain(o));
  let lanesP: Promise<ReturnType<typeof createLanes>> | undefined;
  const lanesOf = () =>
    (lanesP ??= chainOf().then((chain) =>
      createLanes({
        chain, maxRequestSeconds,
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
    const now = Date.now();
    const day = await ledger.records(now - DAY_MS);
    return { hour: spentSince(day, now - HOUR_MS), day: spentSince(day, now - DAY_MS) };
  }

  async function paid(r: Extract<MarketRequest, { kind: "paid" }>, signal: AbortSignal): Promise<Response> {
    const chain = await chainOf();
    const found = await providersOf(chain, r.model);
    const candidates = withinPrice(found, limits, r.model);
    const lanes = await lanesOf();
    const failures: ClawError[] = [];
    for (const provider of candidates) {
      const worstCase = worstCaseCost(provider.pricePerSecond, maxRequestSeconds);
      const s = await spent();
      const refused = decideSpend({ limits, spentLastHour: s.hour, spentLastDay: s.day, worstCase });
      if (refused) throw refused;
      let lane: Lane;
      try {
        lane = await lanes.acquire(provider, worstCase);
      } catch (err) {
        if (!isClawError(err) || !skippable.has(err.code)) throw err;
        failures.push(err);
        o.hooks?.onFailover?.(provider, err);
        continue;
      }
      let result;
      try {
        result = await attempt(lane, r, signal);
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
        // No billing seen (cut stream, text formats): count the worst case against the limits.
        const counted = billing?.cost ?? worstCase;
        lanes.release(lane, worstCase, billing?.cost ?? 0n);
        if (!o.ledger) memory.add({ at: Date.now(), cost: counted });
        await o.hooks?.onPaid?.({ lane, model: r.model, route: r.route, counted, proof: result.proof, ...(billing ? { billing } : {}) });
      });
      return result.response;
    }
    // Every provider was refused by a limit: that is the answer (402), not a market failure.
    if (failures.length > 0 && failures.every((f) => f.code === "PRICE_ABOVE_MAX")) throw failures[0]!;
    throw new ClawError("PROVIDERS_EXHAUSTED", {
      message: `No provider of "${r.model}" answered: ${failures.map((f) => f.message).join("; ").slice(0, 1000)}`,
      details: { model: r.model, failures: failures.map((f) => ({ code: f.code, providerCode: f.details?.providerCode ?? null })) },
    });
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
    chain: chainOf,
  });
}
