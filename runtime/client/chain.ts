/**
 * The consumer's view of the chain: a read client (background profile) for discovery, receipts and
 * balances and, when a key is given, the wallet clients the runtime also uses (one nonce manager).
 * All built by runtime/chain/client.ts; all chain calls go through runtime/chain/actions.
 */
import type { Address, Hex } from "viem";
import { ClawError } from "../core/errors.ts";
import { createChainClients, createReadClient, type ChainClients, type ReadClient } from "../chain/client.ts";
import { getChainId } from "../chain/actions/get-chain-id.ts";

export type Contracts = { registry: Address; streamPay: Address };

export type ChainOptions = {
  rpcUrl: string;
  /** Read from the node (eth_chainId) when left out. */
  chainId?: number;
  /** The wallet that pays (or, for provider commands, that is paid). Read-only without it. */
  privateKey?: Hex;
  contracts: Contracts;
  /** How often receipts and stream states are polled (default 250 ms: local chains mine instantly). */
  pollingIntervalMs?: number;
  /** Confirmations to wait for on each transaction (default 1). */
  confirmations?: number;
  /** StreamPay's deployment block: event scans (receipts of resumed streams, spending) start there (default 0). */
  fromBlock?: bigint;
};

export type ClientChain = {
  chainId: number;
  rpcUrl: string;
  contracts: Contracts;
  publicClient: ReadClient;
  confirmations: number;
  pollingIntervalMs: number;
  /** Where event scans start (ChainOptions.fromBlock; 0 when left out). */
  fromBlock?: bigint;
  /** Present when a private key was given. */
  wallet?: ChainClients;
};

/** The wallet clients, or a CONFIG_INVALID error saying a key is needed for `what`. */
export function requireWallet(chain: ClientChain, what: string): ChainClients {
  if (!chain.wallet) throw new ClawError("CONFIG_INVALID", { message: `${what} needs a wallet: set PRIVATE_KEY (or run a local market with npm start).` });
  return chain.wallet;
}

/**
 * @example
 * const chain = await connectChain({ rpcUrl: "http://127.0.0.1:8545", privateKey, contracts });
 */
export async function connectChain(o: ChainOptions): Promise<ClientChain> {
  const pollingIntervalMs = o.pollingIntervalMs ?? 250;
  const chainId = o.chainId ?? (await getChainId(o.rpcUrl));
  const base = { chainId, rpcUrl: o.rpcUrl, contracts: o.contracts, confirmations: o.confirmations ?? 1, pollingIntervalMs, fromBlock: o.fromBlock ?? 0n };
  if (o.privateKey) {
    const wallet = createChainClients({ rpcUrl: o.rpcUrl, chainId, privateKey: o.privateKey, pollingIntervalMs });
    return { ...base, publicClient: wallet.publicClient, wallet };
  }
  return { ...base, publicClient: createReadClient({ rpcUrl: o.rpcUrl, chainId, profile: "background", pollingIntervalMs }) };
}
