/**
 * One in-process runtime instance on a shared PostgreSQL log (store.url), on a local market: the
 * set-up the multi-instance tests share (test/runtime-postgres, test/metrics-instances).
 */
import pino from "pino";
import type { Hex } from "viem";
import { parseConfig } from "../../config/load.ts";
import { startProvider, type RunningProvider } from "../../runtime/provider/start.ts";
import type { Market } from "./market.ts";

export type SharedInstanceOptions = {
  /** The one echo offering: its model, tokens per second and price per second. */
  offering: { model: string; tokensPerSecond: number; pricePerSecond: bigint };
  idleSeconds: number;
  slotTtlMs?: number;
};

/**
 * @example
 * const a = await startSharedInstance(m, url, key, { offering: { model: "echo-1", tokensPerSecond: 100, pricePerSecond: 10n ** 6n }, idleSeconds: 3600 });
 */
export function startSharedInstance(m: Market, url: string, key: Hex, o: SharedInstanceOptions): Promise<RunningProvider> {
  const config = parseConfig({
    offerings: [{ model: o.offering.model, backend: "echo", options: { tokensPerSecond: o.offering.tokensPerSecond }, pricePerSecond: o.offering.pricePerSecond }],
    server: { port: 0, publicUrl: "http://127.0.0.1:9/provider" },
    store: { url },
    settlement: { idleSeconds: o.idleSeconds, minJobMs: 100 },
    chain: { preset: "local", confirmations: 1, pollIntervalMs: 100 },
    log: { level: "silent" },
    metrics: { port: 0 },
  });
  return startProvider({
    config, env: { PRIVATE_KEY: key }, logger: pino({ level: "silent" }), graceMs: 2_000, leaderRetryMs: 200,
    ...(o.slotTtlMs === undefined ? {} : { slotTtlMs: o.slotTtlMs }),
    chain: { rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, contracts: m.contracts, fromBlock: m.deployed.blockNumber },
  });
}
