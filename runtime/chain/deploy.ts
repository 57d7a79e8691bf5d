/**
 * The one deploy path for every chain (local anvil, BSC testnet 97, BSC 56, opBNB 204/5611).
 * One transaction deploys ComputeRegistry, whose constructor deploys the StreamPay it trusts (so
 * the two are bound atomically, with no admin step); we wait for the receipt, read the StreamPay
 * address back and check the binding both ways. Addresses are recorded per chain id in
 * contracts/deployments/<chainId>.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { getAddress, type Account, type Address, type Chain, type Hash, type PublicClient, type TransactionReceipt, type Transport, type WalletClient } from "viem";
import { computeRegistryAbi, computeRegistryBytecode, streamPayAbi } from "../../contracts/generated/abi.ts";
import { ClawError } from "../core/errors.ts";

export type DeployedContracts = {
  registry: Address;
  streamPay: Address;
  chainId: number;
  /** Block of the registry's deployment: where an indexer starts reading events. */
  blockNumber: bigint;
  /** The one deployment transaction. */
  transaction: Hash;
  deployer: Address;
};

/** What contracts/deployments/<chainId>.json holds. Numbers that may exceed 2^53 are strings. */
export type DeploymentRecord = {
  chainId: number;
  registry: Address;
  streamPay: Address;
  blockNumber: string;
  deployer?: Address;
  transaction?: Hash;
  deployedAt: string;
};

/** Chain ids of local dev chains (anvil, Hardhat): not recorded in the repo unless a file is given. */
export const LOCAL_CHAIN_IDS: readonly number[] = [31337, 1337];

export const deploymentsDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../contracts/deployments");

async function confirmed(publicClient: PublicClient, hash: Hash, what: string, confirmations: number): Promise<TransactionReceipt> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash, confirmations });
  if (receipt.status !== "success") {
    throw new ClawError("CHAIN_TX_FAILED", { message: `${what} transaction ${hash} reverted.`, details: { hash } });
  }
  return receipt;
}

/**
 * Deploys both contracts (bound to each other) with the wallet client's account.
 * @example
 * const d = await deployContracts({ walletClient, publicClient });
 * recordDeployment(d.chainId, d); // skipped for 31337 unless a file is given
 */
export async function deployContracts(o: {
  walletClient: WalletClient<Transport, Chain | undefined, Account | undefined>;
  publicClient: PublicClient;
  /** Confirmations to wait for on each transaction (default 1). */
  confirmations?: number;
  /** Wei every registration locks until 30 days after the provider retires (claimBond; contracts/README.md: the spam and churn cost). Default 0 (local chains). */
  registrationBond?: bigint;
}): Promise<DeployedContracts> {
  const { walletClient, publicClient } = o;
  const account = walletClient.account;
  if (!account) throw new ClawError("CONFIG_INVALID", { message: "deployContracts: the wallet client has no account to deploy with." });
  const chain = walletClient.chain ?? null;
  const confirmations = o.confirmations ?? 1;
  const chainId = await publicClient.getChainId();

  const transaction = await walletClient.deployContract({
    abi: computeRegistryAbi, bytecode: computeRegistryBytecode, args: [o.registrationBond ?? 0n], account, chain,
  });
  const receipt = await confirmed(publicClient, transaction, "ComputeRegistry deployment", confirmations);
  const registry = receipt.contractAddress ? getAddress(receipt.contractAddress) : undefined;
  if (!registry) throw new ClawError("CHAIN_TX_FAILED", { message: `ComputeRegistry deployment ${transaction} created no contract.` });
  const streamPay = await publicClient.readContract({ address: registry, abi: computeRegistryAbi, functionName: "streamPay", blockNumber: receipt.blockNumber });
  const back = await publicClient.readContract({ address: streamPay, abi: streamPayAbi, functionName: "registry", blockNumber: receipt.blockNumber });
  if (back.toLowerCase() !== registry.toLowerCase()) {
    throw new ClawError("CHAIN_ERROR", { message: `StreamPay ${streamPay} points to registry ${back}, not ${registry}.` });
  }
  return { registry, streamPay, chainId, blockNumber: receipt.blockNumber, transaction, deployer: account.address };
}

/**
 * Writes the addresses for `chainId` to `file` (default contracts/deployments/<chainId>.json).
 * Local chains (31337, 1337) are skipped unless `file` is given. Returns the path written, if any.
 * @example
 * recordDeployment(97, deployed); // -> ".../contracts/deployments/97.json"
 */
export function recordDeployment(
  chainId: number,
  addresses: Pick<DeployedContracts, "registry" | "streamPay" | "blockNumber"> & Partial<Pick<DeployedContracts, "deployer" | "transaction">>,
  file?: string,
): string | undefined {
  if (file === undefined && LOCAL_CHAIN_IDS.includes(chainId)) return undefined;
  const path = file ?? resolve(deploymentsDir, `${chainId}.json`);
  const record: DeploymentRecord = {
    chainId,
    registry: addresses.registry,
    streamPay: addresses.streamPay,
    blockNumber: addresses.blockNumber.toString(),
    ...(addresses.deployer ? { deployer: addresses.deployer } : {}),
    ...(addresses.transaction ? { transaction: addresses.transaction } : {}),
    deployedAt: new Date().toISOString(),
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}

/**
 * The recorded deployment for `chainId`, or undefined when none is recorded.
 * @example
 * const d = readDeployment(97); if (d) console.log(d.streamPay, BigInt(d.blockNumber));
 */
export function readDeployment(chainId: number, file?: string): DeploymentRecord | undefined {
  const path = file ?? resolve(deploymentsDir, `${chainId}.json`);
  if (!existsSync(path)) return undefined;
  let record: DeploymentRecord;
  try {
    record = JSON.parse(readFileSync(path, "utf8")) as DeploymentRecord;
  } catch (cause) {
    throw new ClawError("CONFIG_INVALID", { message: `The deployment file ${path} is not valid JSON.`, cause });
  }
  if (record.chainId !== chainId || !/^0x[0-9a-fA-F]{40}$/.test(record.registry ?? "") || !/^0x[0-9a-fA-F]{40}$/.test(record.streamPay ?? "")) {
    throw new ClawError("CONFIG_INVALID", { message: `The deployment file ${path} does not hold addresses for chain ${chainId}.` });
  }
  return record;
}
