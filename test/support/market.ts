/**
 * A real local market for end-to-end tests: anvil, the contracts deployed, one provider runtime on
 * loopback with a temp SQLite log, and a funded consumer with helpers to open streams and make
 * signed requests. Everything is real; nothing is mocked.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, http, parseEventLogs, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import { parseConfig } from "../../config/load.ts";
import type { ClawConfigInput } from "../../config/schema.ts";
import { startAnvil } from "../../runtime/chain/anvil.ts";
import { createReadClient } from "../../runtime/chain/client.ts";
import { deployContracts } from "../../runtime/chain/deploy.ts";
import { paymentDomain } from "../../runtime/core/payment.ts";
import { createDirectSigner, createSessionSigner, type PaymentSigner } from "../../runtime/client/payment-signer.ts";
import { startProvider, type RunningProvider } from "../../runtime/provider/start.ts";
import pino from "pino";

export type Market = Awaited<ReturnType<typeof startMarket>>;

export const echoOffering = { model: "echo-1", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: 1_000_000n };

export async function startMarket(o: { offerings?: ClawConfigInput["offerings"]; settlement?: ClawConfigInput["settlement"]; server?: ClawConfigInput["server"] } = {}) {
  const anvil = await startAnvil();
  const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
  const transport = http(anvil.rpcUrl);
  const publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background", pollingIntervalMs: 50 });
  const keys = anvil.accounts.map((a) => a.privateKey as Hex);
  const deployer = privateKeyToAccount(keys[0]!);
  const deployed = await deployContracts({ walletClient: createWalletClient({ account: deployer, chain, transport }), publicClient });
  const contracts = { registry: deployed.registry as Address, streamPay: deployed.streamPay as Address };
  const dir = mkdtempSync(join(tmpdir(), "claw-market-"));
  const storePath = join(dir, "events.db");
  const config = parseConfig({
    offerings: o.offerings ?? [echoOffering],
    server: { port: 0, ...(o.server ?? {}) },
    store: { path: storePath },
    settlement: { idleSeconds: 3600, minJobMs: 100, ...(o.settlement ?? {}) },
    chain: { preset: "local", confirmations: 1, pollIntervalMs: 100 },
    log: { level: "silent" },
    // A free port: many runtimes run at once in the test suite.
    metrics: { port: 0 },
  });
  const providerKey = keys[1]!;
  const providers: RunningProvider[] = [];
  async function start(extra: { key?: Hex; storePath?: string } = {}): Promise<RunningProvider> {
    const p = await startProvider({
      config: { ...config, store: { ...config.store, path: extra.storePath ?? storePath } },
      env: { PRIVATE_KEY: extra.key ?? providerKey },
      chain: { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts, fromBlock: deployed.blockNumber },
      logger: pino({ level: "silent" }),
      graceMs: 2_000,
    });
    providers.push(p);
    return p;
  }
  const provider = await start();
  const domain = paymentDomain(anvil.chainId, contracts.streamPay);

  function wallet(account: PrivateKeyAccount) {
    return createWalletClient({ account, chain, transport });
  }

  /** Opens a stream from `account` and returns its id (from the StreamCreated event) and gas paid. */
  async function openStream(account: PrivateKeyAccount, a: { deposit: bigint; duration: bigint; providerId: bigint; recipient?: Address }) {
    const hash = await wallet(account).writeContract({
      address: contracts.streamPay, abi: streamPayAbi, functionName: "createStream",
      args: [a.recipient ?? provider.clients.address, a.duration, 0, a.providerId], value: a.deposit,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const [created] = parseEventLogs({ abi: streamPayAbi, logs: receipt.logs, eventName: "StreamCreated" });
    if (!created) throw new Error("no StreamCreated event");
    return { streamId: created.args.streamId as bigint, gas: receipt.gasUsed * receipt.effectiveGasPrice, receipt };
  }

  async function post(path: string, body: unknown, signer?: PaymentSigner, headers: Record<string, string> = {}, base = self.provider.url) {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const proof = signer ? await signer.headers(text, { path }) : {};
    return fetch(`${base}${path}`, { method: "POST", body: text, headers: { "content-type": "application/json", ...proof, ...headers } });
  }

  const self = {
    anvil, publicClient, contracts, deployed, config, provider, providers, start, domain, keys, storePath, openStream, post, wallet,
    account: (i: number) => privateKeyToAccount(keys[i]!),
    sessionSigner: (account: PrivateKeyAccount, streamId: bigint, d = domain) => createSessionSigner({ account, domain: d, streamId }),
    directSigner: (account: PrivateKeyAccount, streamId: bigint, d = domain) => createDirectSigner({ account, domain: d, streamId }),
    async close() {
      for (const p of providers) await p.close().catch(() => undefined);
      await anvil.stop();
    },
  };
  return self;
}

/** Polls `check` until it returns a value other than undefined (or throws after `ms`). */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 15_000, what = "condition"): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
