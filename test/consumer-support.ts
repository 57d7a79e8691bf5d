/**
 * A local market for the consumer tests: one anvil, the contracts, and three real provider runtimes
 * with their own wallets — two selling the same model at different prices, one selling a cheaper
 * other model plus an image and a speech-to-text offering (the real diffusion and whisper plugins
 * against the fake backend servers that speak their wire formats). Plus a runner for the real
 * `claw` CLI as a child process.
 */
import { runProcess, type ProcessResult } from "./support/processes.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import pino from "pino";
import { parseConfig } from "../config/load.ts";
import type { ClawConfigInput } from "../config/schema.ts";
import { startAnvil } from "../runtime/chain/anvil.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";
import { createChainClients, createReadClient } from "../runtime/chain/client.ts";
import { startProvider, type RunningProvider } from "../runtime/provider/start.ts";
import { startFakeDiffusion } from "../plugins/testing/fake-diffusion.ts";
import { startFakeWhisper } from "../plugins/testing/fake-whisper.ts";

export const root = resolve(import.meta.dirname, "..");
export const cliBin = join(root, "runtime/cli/bin.mjs");

export const prices = { expensive: 3_000_000_000_000n, cheap: 1_000_000_000_000n, other: 1_000_000_000n } as const;

export type CliResult = ProcessResult;

export async function startConsumerMarket(o: { idleSeconds?: number } = {}) {
  const anvil = await startAnvil();
  const dir = mkdtempSync(join(tmpdir(), "claw-consumer-"));
  const keys = anvil.accounts.map((a) => a.privateKey as Hex);
  const publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background", pollingIntervalMs: 50 });
  const deployer = createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: keys[0]! });
  const deployed = await deployContracts({ walletClient: deployer.walletClient, publicClient: deployer.publicClient });
  const contracts = { registry: deployed.registry, streamPay: deployed.streamPay };
  const [diffusion, whisper] = await Promise.all([startFakeDiffusion(), startFakeWhisper()]);
  const running: RunningProvider[] = [];

  async function provider(name: string, key: Hex, offerings: ClawConfigInput["offerings"]): Promise<RunningProvider> {
    const config = parseConfig({
      offerings, server: { port: 0 }, store: { path: join(dir, `${name}.db`) },
      settlement: { idleSeconds: o.idleSeconds ?? 3, minJobMs: 100 }, chain: { preset: "local", pollIntervalMs: 100 }, log: { level: "silent" },
    });
    const p = await startProvider({
      config, root, env: { PRIVATE_KEY: key }, logger: pino({ level: "silent" }), graceMs: 2_000,
      chain: { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts, fromBlock: deployed.blockNumber },
    });
    running.push(p);
    return p;
  }

  // Sequential: each runtime registers its offerings on chain at start.
  const expensive = await provider("expensive", keys[1]!, [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 50 }, pricePerSecond: prices.expensive }]);
  const cheap = await provider("cheap", keys[2]!, [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 50 }, pricePerSecond: prices.cheap }]);
  const other = await provider("other", keys[3]!, [
    { model: "echo-cheap", backend: "echo", options: { tokensPerSecond: 50 }, pricePerSecond: prices.other },
    { model: "sd-fake", backend: "diffusion", options: { api: "a1111", baseUrl: diffusion.url }, pricePerSecond: prices.other },
    { model: "whisper-fake", backend: "whisper", options: { api: "openai", baseUrl: `${whisper.url}/v1` }, pricePerSecond: prices.other },
  ]);

  /** Environment for the CLI: a real-network style setup (no dev.json involved). */
  function cliEnv(key: Hex, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH, HOME: process.env.HOME, CLAW_RPC_URL: anvil.rpcUrl, PRIVATE_KEY: key,
      CLAW_REGISTRY: contracts.registry, CLAW_STREAM_PAY: contracts.streamPay, CLAW_DEV_INFO: join(dir, "no-dev.json"), ...extra,
    };
  }

  /** Runs `claw ...args` with `env`, feeding `input` on stdin. */
  function runCli(args: string[], env: NodeJS.ProcessEnv, input = ""): Promise<CliResult> {
    return runProcess(process.execPath, [cliBin, ...args], { env, cwd: dir, input });
  }

  return {
    anvil, dir, keys, publicClient, contracts, deployed, expensive, cheap, other, diffusion, whisper, cliEnv, runCli,
    address: (i: number): Address => privateKeyToAccount(keys[i]!).address,
    async close() {
      for (const p of running) await p.close().catch(() => undefined);
      await Promise.all([diffusion.close(), whisper.close()]);
      await anvil.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type ConsumerMarket = Awaited<ReturnType<typeof startConsumerMarket>>;
