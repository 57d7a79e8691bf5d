/**
 * Which chain, RPC and contracts the runtime uses: explicit overrides (claw dev), then claw.config.ts
 * (custom rpc/chainId/contracts), then the preset, then the deployment recorded for that chain id.
 */
import type { Address, Hex } from "viem";
import type { ClawConfig } from "../../config/schema.ts";
import { chainPresets } from "../../config/presets.ts";
import { ClawError } from "../core/errors.ts";
import { readDeployment } from "../chain/deploy.ts";

export type ResolvedChain = { rpcUrl: string; chainId: number; contracts: { registry: Address; streamPay: Address }; fromBlock: bigint; name: string };

export function resolveChain(config: ClawConfig, override?: Partial<ResolvedChain>): ResolvedChain {
  const preset = chainPresets[config.chain.preset];
  const chainId = override?.chainId ?? config.chain.chainId ?? preset.chainId;
  const rpcUrl = override?.rpcUrl ?? config.chain.rpcUrl ?? preset.rpcUrl;
  const recorded = override?.contracts || config.chain.contracts ? undefined : readDeployment(chainId);
  const contracts = override?.contracts ?? (config.chain.contracts as ResolvedChain["contracts"] | undefined) ?? recorded;
  if (!contracts) {
    throw new ClawError("CONFIG_INVALID", {
      message: `chain.contracts: no contract addresses for chain ${chainId}; deploy them (npm run deploy in contracts/) or set chain.contracts in claw.config.ts.`,
    });
  }
  const fromBlock = override?.fromBlock ?? (recorded?.blockNumber !== undefined ? BigInt(recorded.blockNumber) : 0n);
  return { rpcUrl, chainId, contracts: { registry: contracts.registry, streamPay: contracts.streamPay }, fromBlock, name: preset.name };
}

/** The provider's key from the env var the config names; never from the file itself. */
export function walletKey(config: ClawConfig, env: Record<string, string | undefined>): Hex {
  const name = config.wallet.privateKeyEnv;
  const raw = env[name]?.trim();
  if (!raw) throw new ClawError("CONFIG_INVALID", { message: `wallet.privateKeyEnv: the environment variable ${name} is not set; it must hold the provider's private key.` });
  const key = raw.startsWith("0x") ? raw : `0x${raw}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new ClawError("CONFIG_INVALID", { message: `wallet.privateKeyEnv: ${name} is not a 32-byte hex private key.` });
  return key as Hex;
}
