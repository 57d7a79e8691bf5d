/**
 * viem clients for one chain: a public client with retries on transient RPC errors, and a wallet
 * client whose account carries viem's nonce manager (the runtime's one nonce manager).
 */
import { createNonceManager, createPublicClient, createWalletClient, defineChain, http, type Address, type Chain, type Hex, type NonceManager, type PublicClient, type WalletClient } from "viem";
import { jsonRpc } from "viem/nonce";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

export type ChainClients = {
  chain: Chain;
  publicClient: PublicClient;
  /** For reads on a request's path (the guard, /health): a short timeout and one retry, so a hung
   *  node turns into a prompt CHAIN_UNAVAILABLE instead of a 40 s wait. */
  fastReadClient: PublicClient;
  walletClient: WalletClient;
  account: PrivateKeyAccount;
  address: Address;
};

/**
 * One nonce manager per RPC URL, shared by every client of that node in the process. viem's global
 * `nonceManager` keys nonces by (address, chain id) and never lets them go down, so a second anvil
 * with the same chain id in one process (tests, a restarted `claw dev`) got nonces the new chain had
 * never seen and its transactions waited forever.
 */
const nonceManagers = new Map<string, NonceManager>();
function nonceManagerFor(rpcUrl: string): NonceManager {
  let m = nonceManagers.get(rpcUrl);
  if (!m) {
    if (nonceManagers.size >= 64) nonceManagers.delete(nonceManagers.keys().next().value!);
    m = createNonceManager({ source: jsonRpc() });
    nonceManagers.set(rpcUrl, m);
  }
  return m;
}

/**
 * @example
 * const clients = createChainClients({ rpcUrl: "http://127.0.0.1:8545", chainId: 31337, privateKey });
 */
export function createChainClients(o: { rpcUrl: string; chainId: number; privateKey: Hex; name?: string; pollingIntervalMs?: number }): ChainClients {
  const chain = defineChain({
    id: o.chainId,
    name: o.name ?? `chain ${o.chainId}`,
    nativeCurrency: { name: "Native", symbol: "NATIVE", decimals: 18 },
    rpcUrls: { default: { http: [o.rpcUrl] } },
  });
  const transport = http(o.rpcUrl, { retryCount: 3, retryDelay: 200, timeout: 10_000 });
  const account = privateKeyToAccount(o.privateKey, { nonceManager: nonceManagerFor(o.rpcUrl) });
  const pollingInterval = o.pollingIntervalMs ?? 1000;
  return {
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval }) as PublicClient,
    fastReadClient: createPublicClient({ chain, transport: http(o.rpcUrl, { retryCount: 1, retryDelay: 100, timeout: 3_000 }), pollingInterval }) as PublicClient,
    walletClient: createWalletClient({ chain, transport, account, pollingInterval }),
    account,
    address: account.address,
  };
}
