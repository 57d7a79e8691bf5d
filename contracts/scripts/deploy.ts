/**
 * Deploys ComputeRegistry (+ its StreamPay) to a real network and records the addresses in
 * contracts/deployments/<chainId>.json, which the runtime reads for that chain id.
 *
 *   cd contracts
 *   PRIVATE_KEY=0x... npm run deploy -- --network bsc-testnet            # 97
 *   PRIVATE_KEY=0x... npm run deploy -- --network bsc --confirmations 3   # 56
 *   PRIVATE_KEY=0x... npm run deploy -- --network opbnb                   # 204 (opbnb-testnet: 5611)
 *   PRIVATE_KEY=0x... RPC_URL=https://... npm run deploy -- --network bsc  # own RPC
 *
 * Options: --network <local|bsc-testnet|bsc|opbnb-testnet|opbnb> (or NETWORK), --rpc <url> (or
 * RPC_URL), --confirmations <n> (default 2; 1 on local), --out <file> (also needed to record a
 * local 31337 deployment), --bond <coins> (the registration bond, default 0.01 on real networks and
 * 0 on local; contracts/README.md explains it). The chain id the RPC reports must match the network's.
 */
import { parseArgs } from "node:util";
import { createPublicClient, createWalletClient, defineChain, formatEther, http, parseEther, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { chainPresets, type ChainPresetName } from "../../config/presets.ts";
import { deployContracts, recordDeployment } from "../../runtime/chain/deploy.ts";

const { values } = parseArgs({
  options: {
    network: { type: "string" },
    rpc: { type: "string" },
    confirmations: { type: "string" },
    out: { type: "string" },
    bond: { type: "string" },
  },
});

function fail(message: string): never {
  console.error(`deploy: ${message}`);
  process.exit(1);
}

const networkName = (values.network ?? process.env.NETWORK ?? "bsc-testnet") as ChainPresetName;
const preset = chainPresets[networkName];
if (!preset) fail(`unknown network "${networkName}"; use one of ${Object.keys(chainPresets).join(", ")}`);
const rpcUrl = values.rpc ?? process.env.RPC_URL ?? preset.rpcUrl;
const rawKey = process.env.PRIVATE_KEY?.trim();
if (!rawKey) fail("set PRIVATE_KEY to the deployer's private key (it is read from the environment only)");
const key = (rawKey.startsWith("0x") ? rawKey : `0x${rawKey}`) as Hex;
if (!/^0x[0-9a-fA-F]{64}$/.test(key)) fail("PRIVATE_KEY is not a 32-byte hex key");
const confirmations = Number(values.confirmations ?? (preset.chainId === 31337 ? 1 : 2));
const bondText = values.bond ?? (preset.chainId === 31337 ? "0" : "0.01");
if (!/^\d+(\.\d{1,18})?$/.test(bondText)) fail(`--bond must be an amount of coins like 0.01, not "${bondText}"`);
const registrationBond = parseEther(bondText);

const chain = defineChain({ id: preset.chainId, name: preset.name, nativeCurrency: { name: preset.nativeSymbol, symbol: preset.nativeSymbol, decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } });
const transport = http(rpcUrl, { retryCount: 3, timeout: 30_000 });
const account = privateKeyToAccount(key);
const publicClient = createPublicClient({ chain, transport }) as PublicClient;
const reported = await publicClient.getChainId();
if (reported !== preset.chainId) fail(`the RPC at ${rpcUrl} reports chain ${reported}, not ${preset.chainId} (${preset.name})`);
const balance = await publicClient.getBalance({ address: account.address });
console.log(`deploying to ${preset.name} (${preset.chainId}) via ${rpcUrl} from ${account.address} (balance ${formatEther(balance)} ${preset.nativeSymbol})`);

console.log(`registration bond: ${formatEther(registrationBond)} ${preset.nativeSymbol}`);
const deployed = await deployContracts({ walletClient: createWalletClient({ account, chain, transport }), publicClient, confirmations, registrationBond });
const file = recordDeployment(deployed.chainId, deployed, values.out);
console.log(JSON.stringify({ ...deployed, blockNumber: deployed.blockNumber.toString(), recordedIn: file ?? null }, null, 2));
