/**
 * A whole local market in one call: anvil (from npm), the contracts deployed, the provider runtime
 * for the offerings in claw.config.ts on a dev account, and the facts a consumer needs written to
 * `.claw/dev.json` so that `npx claw infer` in another terminal finds this chain with no setup.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ClawConfig } from "../../config/schema.ts";
import { startAnvil } from "../chain/anvil.ts";
import { createChainClients } from "../chain/client.ts";
import { deployContracts } from "../chain/deploy.ts";
import { startProvider, type RunningProvider } from "../provider/start.ts";

export type DevAccount = { address: string; privateKey: Hex; role: "deployer" | "provider" | "consumer" };
export type DevInfo = { rpcUrl: string; chainId: number; contracts: { registry: string; streamPay: string }; providerUrl: string; accounts: DevAccount[]; store: string };
export type DevMarket = { info: DevInfo; provider: RunningProvider; close(): Promise<void> };

export const devInfoFile = (root: string) => join(root, ".claw", "dev.json");

/**
 * @example
 * const market = await startDevMarket({ config, root: process.cwd() });
 * console.log(market.info.providerUrl);
 */
export async function startDevMarket(o: { config: ClawConfig; root: string; anvilPort?: number; logger?: Logger; storePath?: string; writeInfo?: boolean }): Promise<DevMarket> {
  const anvil = await startAnvil(o.anvilPort === undefined ? {} : { port: o.anvilPort });
  try {
    const [deployerKey, providerKey, ...consumerKeys] = anvil.accounts.map((a) => a.privateKey as Hex);
    if (!deployerKey || !providerKey) throw new Error("anvil returned fewer than two accounts");
    const deployer = createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: deployerKey, name: "anvil" });
    const deployed = await deployContracts({ walletClient: deployer.walletClient, publicClient: deployer.publicClient });
    const contracts = { registry: deployed.registry, streamPay: deployed.streamPay };
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const storePath = o.storePath ?? resolve(o.root, ".claw", "dev", `events-${stamp}.db`);
    const config: ClawConfig = { ...o.config, store: { ...o.config.store, path: storePath } };
    const provider = await startProvider({
      config,
      root: o.root,
      env: { ...process.env, [config.wallet.privateKeyEnv]: providerKey },
      chain: { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts, fromBlock: deployed.blockNumber },
      ...(o.logger ? { logger: o.logger } : {}),
      dev: { rpcUrl: anvil.rpcUrl, accounts: consumerKeys.map((k) => ({ address: privateKeyToAccount(k).address, privateKey: k })) },
    });
    const accounts: DevAccount[] = [
      { address: deployer.address, privateKey: deployerKey, role: "deployer" },
      { address: privateKeyToAccount(providerKey).address, privateKey: providerKey, role: "provider" },
      ...consumerKeys.map((k) => ({ address: privateKeyToAccount(k).address, privateKey: k, role: "consumer" as const })),
    ];
    const info: DevInfo = { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts, providerUrl: provider.url, accounts, store: storePath };
    if (o.writeInfo !== false) {
      mkdirSync(join(o.root, ".claw"), { recursive: true });
      writeFileSync(devInfoFile(o.root), JSON.stringify(info, null, 2));
    }
    return {
      info,
      provider,
      async close() {
        await provider.close();
        await anvil.stop();
      },
    };
  } catch (err) {
    await anvil.stop();
    throw err;
  }
}
