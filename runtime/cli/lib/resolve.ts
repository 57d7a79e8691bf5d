/**
 * Which chain, contracts and wallet a CLI command uses, in this order:
 *
 * 1. A real network: `--rpc URL` or CLAW_RPC_URL (BSC_TESTNET_RPC also works, as in the seed), the
 *    wallet from PRIVATE_KEY, the contracts from `--registry`/`--stream-pay` or CLAW_REGISTRY /
 *    CLAW_STREAM_PAY, else those of a running local market on the same chain id.
 * 2. A local market (`npm start`): `.claw/dev.json` in this folder or a parent, written by `claw dev`;
 *    the wallet is PRIVATE_KEY if set, else the market's first consumer account (for buying) or its
 *    provider account (for provider commands).
 *
 * Anything missing is CONFIG_INVALID (exit code 3) with a sentence saying what to set.
 */
import { readDeployment, type DeploymentRecord } from "../../chain/deploy.ts";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isAddress, type Address, type Hex } from "viem";
import { getChainId } from "../../chain/actions/get-chain-id.ts";
import { ClawError } from "../../core/errors.ts";
import type { ChainOptions } from "../../client/chain.ts";

export type DevInfoFile = {
  rpcUrl: string; chainId: number; contracts: { registry: Address; streamPay: Address }; providerUrl: string; store?: string;
  accounts: Array<{ address: Address; privateKey: Hex; role: "deployer" | "provider" | "consumer" }>;
};

export type ChainFlags = { rpc?: string; registry?: string; streamPay?: string };
export type Role = "consumer" | "provider";
export type Resolved = { options: ChainOptions; source: "env" | "dev"; devInfo?: DevInfoFile; devInfoPath?: string };

/** The nearest `.claw/dev.json` from `cwd` upward (CLAW_DEV_INFO overrides), or undefined. */
export function findDevInfo(cwd: string, env: NodeJS.ProcessEnv): { path: string; info: DevInfoFile } | undefined {
  const explicit = env.CLAW_DEV_INFO;
  const candidates: string[] = [];
  if (explicit) candidates.push(resolve(cwd, explicit));
  else for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    candidates.push(join(dir, ".claw", "dev.json"));
    if (dirname(dir) === dir) break;
  }
  const path = candidates.find((p) => existsSync(p));
  if (!path) return undefined;
  try {
    return { path, info: JSON.parse(readFileSync(path, "utf8")) as DevInfoFile };
  } catch (cause) {
    throw new ClawError("CONFIG_INVALID", { message: `${path} is not valid JSON; restart the local market (npm start).`, cause });
  }
}

function normalizeKey(raw: string, name: string): Hex {
  const key = raw.trim().startsWith("0x") ? raw.trim() : `0x${raw.trim()}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ClawError("CONFIG_INVALID", { message: `${name} is not a 32-byte hex private key.` });
  return key as Hex;
}

function address(value: string | undefined, what: string): Address | undefined {
  if (value === undefined || value === "") return undefined;
  if (!isAddress(value)) throw new ClawError("CONFIG_INVALID", { message: `${what} "${value}" is not an address.` });
  return value;
}

async function reachable(rpcUrl: string): Promise<number | undefined> {
  try {
    return await getChainId(rpcUrl);
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const { options } = await resolveChain({ rpc: opts.rpc }, "consumer");
 * const claw = await createClawClient(options);
 */
export async function resolveChain(
  flags: ChainFlags,
  role: Role,
  o: { cwd?: string; env?: NodeJS.ProcessEnv; needWallet?: boolean; deployments?: (chainId: number) => DeploymentRecord | undefined } = {},
): Promise<Resolved> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const needWallet = o.needWallet ?? true;
  const envKey = env.PRIVATE_KEY ? normalizeKey(env.PRIVATE_KEY, "PRIVATE_KEY") : undefined;
  const dev = findDevInfo(cwd, env);
  const rpcUrl = flags.rpc ?? env.CLAW_RPC_URL ?? env.BSC_TESTNET_RPC;

  if (rpcUrl) {
    const chainId = await reachable(rpcUrl);
    if (chainId === undefined) throw new ClawError("CHAIN_UNAVAILABLE", { message: `The chain node at ${rpcUrl} cannot be reached.` });
    const devSameChain = dev && dev.info.chainId === chainId ? dev.info : undefined;
    // Addresses: flags, env, the running local market, else the deployment recorded for this chain id.
    const recorded = (o.deployments ?? readDeployment)(chainId);
    const registry = address(flags.registry ?? env.CLAW_REGISTRY, "--registry") ?? devSameChain?.contracts.registry ?? recorded?.registry;
    const streamPay = address(flags.streamPay ?? env.CLAW_STREAM_PAY, "--stream-pay") ?? devSameChain?.contracts.streamPay ?? recorded?.streamPay;
    if (!registry || !streamPay) {
      throw new ClawError("CONFIG_INVALID", { message: `No contract addresses for chain ${chainId}: pass --registry and --stream-pay (or set CLAW_REGISTRY and CLAW_STREAM_PAY).` });
    }
    if (needWallet && !envKey) throw new ClawError("CONFIG_INVALID", { message: "No wallet: set PRIVATE_KEY to the wallet's private key." });
    // Event scans start at the recorded deployment block when these are the recorded contracts.
    const sameAsRecorded = recorded?.streamPay.toLowerCase() === streamPay.toLowerCase() && recorded.blockNumber !== undefined;
    const fromBlock = sameAsRecorded ? { fromBlock: BigInt(recorded.blockNumber) } : {};
    return { options: { rpcUrl, chainId, contracts: { registry, streamPay }, ...fromBlock, ...(envKey ? { privateKey: envKey } : {}) }, source: "env" };
  }

  if (!dev) {
    throw new ClawError("CONFIG_INVALID", {
      message: "No chain: set CLAW_RPC_URL and PRIVATE_KEY for a real network, or start a local market with `npm start` in this project.",
    });
  }
  const chainId = await reachable(dev.info.rpcUrl);
  if (chainId === undefined) {
    throw new ClawError("CONFIG_INVALID", { message: `${dev.path} names a local chain at ${dev.info.rpcUrl} that is not running: start it with \`npm start\`.` });
  }
  const account = dev.info.accounts.find((a) => a.role === role);
  const privateKey = envKey ?? account?.privateKey;
  if (needWallet && !privateKey) throw new ClawError("CONFIG_INVALID", { message: `${dev.path} has no ${role} account; set PRIVATE_KEY.` });
  return {
    options: { rpcUrl: dev.info.rpcUrl, chainId, contracts: dev.info.contracts, ...(privateKey ? { privateKey } : {}) },
    source: "dev", devInfo: dev.info, devInfoPath: dev.path,
  };
}
