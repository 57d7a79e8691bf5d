/**
 * A local market for the reliability suite: anvil (with its state in a file, so the node itself can
 * be stopped and brought back on the same port), the contracts deployed, a provider runtime in its
 * own process (killable, restartable on the same port and log), funded consumers, and read-only
 * access to the runtime's log. Everything is real: chain, HTTP, SQLite, signatures.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { createWalletClient, http, parseEventLogs, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import type { ClawConfigInput } from "../../config/schema.ts";
import { startAnvil, type Anvil } from "../../runtime/chain/anvil.ts";
import { createReadClient } from "../../runtime/chain/client.ts";
import { deployContracts } from "../../runtime/chain/deploy.ts";
import { paymentDomain, type PaymentDomain } from "../../runtime/core/payment.ts";
import type { StoredEvent } from "../../runtime/core/events.ts";
import { openStore } from "../../runtime/store/open.ts";
import type { EventStore } from "../../runtime/store/types.ts";
import { spawnRuntime, type RuntimeProcess } from "./runtime-process.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
import type { RuntimePlan } from "./runtime-child.ts";

export type MarketOptions = {
  offerings: ClawConfigInput["offerings"];
  settlement?: ClawConfigInput["settlement"];
  server?: ClawConfigInput["server"];
  /** Runtime log level (its stderr goes to <dir>/runtime.log). Default "warn". */
  logLevel?: "silent" | "error" | "warn" | "info" | "debug";
  /** Funded anvil accounts (0 deployer, 1 provider, 2.. consumers). Default 20. */
  accounts?: number;
  chainPollMs?: number;
  /** Put a TCP proxy between the runtime and the node (to make the node hang: tcp-proxy.ts). */
  rpcProxy?: boolean;
};

export type ReliabilityMarket = Awaited<ReturnType<typeof startReliabilityMarket>>;

/**
 * @example
 * const m = await startReliabilityMarket({ offerings: [{ model: "echo-1", backend: "echo", pricePerSecond: 1000n }] });
 * const rt = await m.startRuntime(); ... await m.close();
 */
export async function startReliabilityMarket(o: MarketOptions) {
  const dir = mkdtempSync(join(tmpdir(), "claw-reliability-"));
  const statePath = join(dir, "anvil-state.json");
  const accountCount = o.accounts ?? 20;
  let anvil: Anvil = await startAnvil({ accounts: accountCount, args: ["--state", statePath] });
  const port = anvil.port;
  const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
  const transport = http(anvil.rpcUrl, { retryCount: 0 });
  const publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background", pollingIntervalMs: 50 });
  const keys = anvil.accounts.map((a) => a.privateKey as Hex);
  const deployed = await deployContracts({ walletClient: createWalletClient({ account: privateKeyToAccount(keys[0]!), chain, transport }), publicClient });
  const contracts = { registry: deployed.registry as Address, streamPay: deployed.streamPay as Address };
  const domain: PaymentDomain = paymentDomain(anvil.chainId, contracts.streamPay);
  const storePath = join(dir, "events.db");
  const providerAccount = privateKeyToAccount(keys[1]!);
  const proxy: TcpProxy | undefined = o.rpcProxy ? await startTcpProxy(port) : undefined;
  let runtimePort = 0;
  let runs = 0;

  function plan(): RuntimePlan {
    return {
      config: {
        offerings: o.offerings,
        // Per-IP limits off (every request comes from 127.0.0.1): these runs measure the guard's and the
        // runtime's answers, not the rate limiter (that is test/hostile-network.test.ts's).
        server: { host: "127.0.0.1", limits: { refusalsPerMinute: 1e9, unpaidPerMinute: 1e9, maxConnectionsPerIp: 1e6 }, ...(o.server ?? {}), port: runtimePort },
        metrics: { port: 0 },
        store: { path: storePath, durability: "normal" },
        settlement: { idleSeconds: 3600, minJobMs: 100, ...(o.settlement ?? {}) },
        chain: { preset: "local", confirmations: 1, pollIntervalMs: o.chainPollMs ?? 100 },
        log: { level: o.logLevel ?? "warn" },
      },
      privateKey: keys[1]!,
      chain: { rpcUrl: proxy?.url ?? anvil.rpcUrl, chainId: anvil.chainId, contracts, fromBlock: deployed.blockNumber.toString() },
    };
  }

  let runtime: RuntimeProcess | undefined;
  const self = {
    dir, storePath, contracts, domain, deployed, publicClient, keys, chainId: anvil.chainId,
    provider: providerAccount.address,
    /** The proxy the runtime reaches the node through (with `rpcProxy: true`). */
    proxy,
    get rpcUrl() {
      return anvil.rpcUrl;
    },
    get runtime(): RuntimeProcess {
      if (!runtime) throw new Error("the runtime is not running");
      return runtime;
    },
    /** Starts the runtime (same port and log as before after the first start). */
    async startRuntime(opts: { onSpawn?: (c: ChildProcess) => void } = {}): Promise<RuntimeProcess> {
      runs++;
      const rt = await spawnRuntime({ plan: plan(), planPath: join(dir, "plan.json"), logPath: join(dir, "runtime.log"), ...opts });
      runtimePort ||= Number(new URL(rt.url).port);
      runtime = rt;
      return rt;
    },
    /** How many times the runtime was started. */
    get runtimeStarts() {
      return runs;
    },
    account: (i: number): PrivateKeyAccount => privateKeyToAccount(keys[i]!),
    wallet: (account: PrivateKeyAccount) => createWalletClient({ account, chain, transport }),

    /** Opens a stream from `account`; returns its id (from StreamCreated). */
    async openStream(account: PrivateKeyAccount, a: { deposit: bigint; duration: bigint; providerId: bigint; recipient?: Address }) {
      const hash = await self.wallet(account).writeContract({
        address: contracts.streamPay, abi: streamPayAbi, functionName: "createStream",
        args: [a.recipient ?? providerAccount.address, a.duration, 0, a.providerId], value: a.deposit,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const [created] = parseEventLogs({ abi: streamPayAbi, logs: receipt.logs, eventName: "StreamCreated" });
      if (!created) throw new Error("no StreamCreated event");
      return { streamId: created.args.streamId as bigint, gas: receipt.gasUsed * receipt.effectiveGasPrice, block: receipt.blockNumber };
    },
    async cancelStream(account: PrivateKeyAccount, streamId: bigint) {
      const hash = await self.wallet(account).writeContract({ address: contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streamId] });
      return publicClient.waitForTransactionReceipt({ hash });
    },

    /** Runs `fn` on the runtime's log opened read-only (safe while the runtime writes it). */
    withLog<T>(fn: (store: EventStore) => T): T {
      const store = openStore({ path: storePath, readonly: true });
      try {
        return fn(store);
      } finally {
        store.close();
      }
    },
    readLog(from = 1): StoredEvent[] {
      return self.withLog((s) => s.read({ from }));
    },

    /** Stops the chain node (SIGTERM: anvil writes its state file on the way out). */
    async stopChain() {
      await anvil.stop();
    },
    /** Brings the node back on the same port from its state file. */
    async restartChain() {
      anvil = await startAnvil({ port, accounts: accountCount, args: ["--state", statePath] });
    },

    async close() {
      await runtime?.stop().catch(() => runtime?.kill());
      await anvil.stop();
      await proxy?.close();
    },
  };
  return self;
}

/** Polls `check` until it returns something other than undefined (throws after `ms`). */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
