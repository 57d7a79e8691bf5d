/**
 * One provider, several machines, for the scale-out test (issue 21): anvil with the contracts, a
 * slow model server, a round-robin proxy (the one endpoint registered on chain), and N `claw start`
 * processes of ONE provider (same wallet, same config file) on one PostgreSQL database given by
 * CLAW_STORE_URL, each on its own loopback port. Plus the consumer's side: open a stream, sign,
 * post, read a stream on chain. Everything is real; `close()` SIGKILLs what is left.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createWalletClient, http, parseEventLogs, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import { startAnvil } from "../../runtime/chain/anvil.ts";
import { getStream } from "../../runtime/chain/actions/get-stream.ts";
import { createReadClient } from "../../runtime/chain/client.ts";
import { deployContracts } from "../../runtime/chain/deploy.ts";
import { paymentDomain } from "../../runtime/core/payment.ts";
import { createSessionSigner, type PaymentSigner } from "../../runtime/client/payment-signer.ts";
import { freePort, spawnInstance, waitHealthy, type Instance } from "./scale-out-instances.ts";
import { startRoundRobinProxy } from "./scale-out-proxy.ts";
import { startSlowUpstream } from "./scale-out-upstream.ts";

export type ScaleOut = Awaited<ReturnType<typeof startScaleOut>>;

export const PRICE = 1_000_000n; // wei per second, both offerings

/** The repository's plugin folder by path: the instances run in a temp folder, not in the repository. */
const plugin = (name: string) => resolve(import.meta.dirname, "../../plugins", name);

function configText(o: { rpcUrl: string; chainId: number; contracts: { registry: Address; streamPay: Address }; publicUrl: string; upstream: string }): string {
  const config = {
    chain: { preset: "local", rpcUrl: o.rpcUrl, chainId: o.chainId, contracts: o.contracts, confirmations: 1, pollIntervalMs: 100 },
    server: {
      host: "127.0.0.1", port: "PORT", publicUrl: o.publicUrl,
      // All test traffic comes from 127.0.0.1 (through the proxy or not): per-IP caps would count it as one client.
      limits: { maxConnections: 4096, maxConnectionsPerIp: 4096, refusalsPerMinute: 100_000, unpaidPerMinute: 100_000 },
    },
    metrics: { port: 0 },
    settlement: { idleSeconds: 3600, minJobMs: 100 },
    offerings: [
      { model: "echo-1", backend: plugin("echo"), options: { tokensPerSecond: 0 }, pricePerSecond: String(PRICE) },
      { model: "slow-1", backend: plugin("openai"), options: { baseUrl: o.upstream, stream: false, retries: 0 }, pricePerSecond: String(PRICE), maxJobSeconds: 30 },
    ],
    log: { level: "info" },
  };
  // One file for every instance, as on several machines; only the port differs (from the environment).
  return `export default ${JSON.stringify(config, null, 2).replace('"PORT"', "Number(process.env.CLAW_SCALE_OUT_PORT)")};\n`;
}

/**
 * @example
 * const s = await startScaleOut({ storeUrl: await freshDatabase(), instances: 3, holdMs: 800 });
 */
export async function startScaleOut(o: { storeUrl: string; instances: number; holdMs: number }) {
  const cleanups: Array<() => Promise<unknown>> = [];
  const dir = mkdtempSync(join(tmpdir(), "claw-scale-out-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const instances: Instance[] = [];
  const close = async () => {
    await Promise.all(instances.map((i) => i.kill()));
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const anvil = await startAnvil();
    cleanups.push(() => anvil.stop());
    const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
    const transport = http(anvil.rpcUrl);
    const publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background", pollingIntervalMs: 50 });
    const keys = anvil.accounts.map((a) => a.privateKey as Hex);
    const deployed = await deployContracts({ walletClient: createWalletClient({ account: privateKeyToAccount(keys[0]!), chain, transport }), publicClient });
    const contracts = { registry: deployed.registry as Address, streamPay: deployed.streamPay as Address };
    const upstream = await startSlowUpstream(o.holdMs);
    cleanups.push(() => upstream.close());
    const proxy = await startRoundRobinProxy();
    cleanups.push(() => proxy.close());
    const configFile = join(dir, "claw.config.mjs");
    writeFileSync(configFile, configText({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts, publicUrl: proxy.url, upstream: upstream.baseUrl }));
    const providerKey = keys[1]!;
    // All at once, as after a deploy: registration and migration are serialized in the database.
    for (let i = 0; i < o.instances; i++) {
      instances.push(spawnInstance(i, { configFile, cwd: dir, port: await freePort(), env: { PRIVATE_KEY: providerKey, CLAW_STORE_URL: o.storeUrl } }));
    }
    await Promise.all(instances.map((i) => waitHealthy(i, 90_000)));
    proxy.upstreams.push(...instances.map((i) => i.url));
    const domain = paymentDomain(anvil.chainId, contracts.streamPay);
    const consumer = privateKeyToAccount(keys[2]!);
    const consumerWallet = createWalletClient({ account: consumer, chain, transport });

    async function quote(model: string): Promise<{ providerId: bigint; recipient: Address }> {
      const res = await fetch(`${proxy.url}/v1/quote?model=${model}`);
      const q = (await res.json()) as { providerId: string; recipient: Address };
      return { providerId: BigInt(q.providerId), recipient: q.recipient };
    }

    /** Opens a stream to the provider for `model`; returns its id and a session signer for it. */
    async function openStream(model: string, deposit: bigint, duration: bigint): Promise<{ streamId: bigint; signer: PaymentSigner }> {
      const q = await quote(model);
      const hash = await consumerWallet.writeContract({
        address: contracts.streamPay, abi: streamPayAbi, functionName: "createStream", args: [q.recipient, duration, 0, q.providerId], value: deposit,
      });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      const [created] = parseEventLogs({ abi: streamPayAbi, logs: receipt.logs, eventName: "StreamCreated" });
      if (!created) throw new Error("no StreamCreated event");
      const streamId = created.args.streamId as bigint;
      return { streamId, signer: await createSessionSigner({ account: consumer, domain, streamId }) };
    }

    /** A chat request for `model` with exactly these proof headers, to `base` (an instance or the proxy). */
    function chat(base: string, body: string, proof: Record<string, string>): Promise<Response> {
      return fetch(`${base}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json", ...proof }, signal: AbortSignal.timeout(60_000) });
    }

    return {
      anvil, contracts, publicClient, upstream, proxy, instances, dir, consumer, providerAddress: privateKeyToAccount(providerKey).address,
      quote, openStream, chat, close,
      stream: (streamId: bigint) => getStream(publicClient, { streamPay: contracts.streamPay, streamId }),
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A chat body for `model`; `tag` makes each body (and so each proof's body hash) distinct. */
export function chatBody(model: string, tag: string): string {
  return JSON.stringify({ model, messages: [{ role: "user", content: `hello ${tag}` }] });
}
