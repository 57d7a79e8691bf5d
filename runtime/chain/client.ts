/**
 * The one place viem clients are built. Every client gets its transport from a named profile, so
 * the runtime has one retry policy per kind of work instead of one per call site:
 * - `request`: on a paid request's path (the guard's stream reads, /health) — a hung node turns
 *   into a prompt CHAIN_UNAVAILABLE (3 s, one retry) instead of a 40 s wait;
 * - `background`: the watcher, settler, registration, CLI and SDK — patient (10 s, three retries);
 * - `probe`: one question to a node that may not be there (eth_chainId of a URL) — no retry.
 * Wallet clients carry one nonce manager per RPC URL (see nonceManagerFor).
 */
import {
  createNonceManager, createPublicClient, createWalletClient, custom, defineChain, http,
  type Account, type Address, type Chain, type EIP1193RequestFn, type LocalAccount, type Hex, type NonceManager, type PublicClient, type SignTypedDataParameters, type Transport, type WalletClient,
} from "viem";
import { jsonRpc } from "viem/nonce";
import { privateKeyToAccount } from "viem/accounts";

export const clientProfiles = {
  request: { timeoutMs: 3_000, retryCount: 1, retryDelayMs: 100 },
  background: { timeoutMs: 10_000, retryCount: 3, retryDelayMs: 200 },
  probe: { timeoutMs: 3_000, retryCount: 0, retryDelayMs: 0 },
} as const satisfies Record<string, { timeoutMs: number; retryCount: number; retryDelayMs: number }>;

export type ClientProfile = keyof typeof clientProfiles;

/** What every read action takes: a public client bound to a chain (any transport: HTTP, an injected wallet). */
export type ReadClient = PublicClient<Transport, Chain>;

/** What signs EIP-712 payment proofs and session-key authorizations: a local key, or a browser wallet. */
export type SigningAccount = Pick<LocalAccount, "address" | "signTypedData">;

/** What every write action takes: a read client and a wallet client for one account on the same chain
 *  (writes are signed by the wallet client's own account). */
export type ChainClients = {
  chain: Chain;
  /** Background profile: receipts, the watcher, settlement. */
  publicClient: ReadClient;
  /** Request profile: reads on a paid request's path. */
  fastReadClient: ReadClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** Signs payment proofs and session-key authorizations (a local key, or a browser wallet). */
  account: SigningAccount;
  address: Address;
};

/** A viem chain for an id and RPC URL (the runtime supports any EVM chain by config). */
export function clawChain(chainId: number, rpcUrl: string, name?: string): Chain {
  return defineChain({
    id: chainId,
    name: name ?? `chain ${chainId}`,
    nativeCurrency: { name: "Native", symbol: "NATIVE", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

function transportFor(rpcUrl: string, profile: ClientProfile) {
  const p = clientProfiles[profile];
  return http(rpcUrl, { timeout: p.timeoutMs, retryCount: p.retryCount, retryDelay: p.retryDelayMs });
}

/**
 * @example
 * const reads = createReadClient({ rpcUrl: "http://127.0.0.1:8545", chainId: 31337, profile: "request" });
 */
export function createReadClient(o: { rpcUrl: string; chainId: number; profile: ClientProfile; name?: string; pollingIntervalMs?: number }): ReadClient {
  return createPublicClient({ chain: clawChain(o.chainId, o.rpcUrl, o.name), transport: transportFor(o.rpcUrl, o.profile), pollingInterval: o.pollingIntervalMs ?? 1000 });
}

/**
 * A client for a node whose chain is not known yet (the probe profile): only for learning it.
 * @example
 * const id = await createProbeClient("http://127.0.0.1:8545").getChainId();
 */
export function createProbeClient(rpcUrl: string): PublicClient {
  return createPublicClient({ transport: transportFor(rpcUrl, "probe") });
}

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
 * The clients of one wallet: background reads and writes, request-path reads.
 * @example
 * const clients = createChainClients({ rpcUrl: "http://127.0.0.1:8545", chainId: 31337, privateKey });
 */
export function createChainClients(o: { rpcUrl: string; chainId: number; privateKey: Hex; name?: string; pollingIntervalMs?: number }): ChainClients {
  const chain = clawChain(o.chainId, o.rpcUrl, o.name);
  const account = privateKeyToAccount(o.privateKey, { nonceManager: nonceManagerFor(o.rpcUrl) });
  const pollingInterval = o.pollingIntervalMs ?? 1000;
  const background = transportFor(o.rpcUrl, "background");
  return {
    chain,
    publicClient: createPublicClient({ chain, transport: background, pollingInterval }),
    fastReadClient: createPublicClient({ chain, transport: transportFor(o.rpcUrl, "request"), pollingInterval }),
    walletClient: createWalletClient({ chain, transport: background, account, pollingInterval }),
    account,
    address: account.address,
  };
}

/**
 * The clients of a browser wallet (an EIP-1193 provider, e.g. an injected wallet through wagmi):
 * reads and transactions go through the wallet's own RPC, and the wallet signs typed data.
 * @example
 * const clients = createWalletProviderClients({ chain, provider: window.ethereum, address });
 */
export function createWalletProviderClients(o: { chain: Chain; provider: { request: EIP1193RequestFn }; address: Address; pollingIntervalMs?: number }): ChainClients {
  const transport = custom(o.provider);
  const pollingInterval = o.pollingIntervalMs ?? 1000;
  const walletClient = createWalletClient({ chain: o.chain, transport, account: o.address, pollingInterval });
  const publicClient = createPublicClient({ chain: o.chain, transport, pollingInterval });
  const account: SigningAccount = {
    address: o.address,
    // The one cast of the chain layer: LocalAccount.signTypedData's generic primaryType (keyof typedData)
    // is wider than WalletClient.signTypedData's (string); the definition passes through unchanged.
    signTypedData: (parameters) => walletClient.signTypedData({ ...parameters, account: o.address } as SignTypedDataParameters),
  };
  return { chain: o.chain, publicClient, fastReadClient: publicClient, walletClient, account, address: o.address };
}
