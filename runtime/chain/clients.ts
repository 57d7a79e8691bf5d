/**
 * viem clients for one chain: a public client with retries on transient RPC errors, and a wallet
 * client whose account carries viem's nonce manager (the runtime's one nonce manager).
 */
import { createPublicClient, createWalletClient, defineChain, http, nonceManager, type Address, type Chain, type Hex, type PublicClient, type WalletClient } from "viem";
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
  const account = privateKeyToAccount(o.privateKey, { nonceManager });
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
