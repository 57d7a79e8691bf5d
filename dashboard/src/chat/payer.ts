/**
 * Who pays for the chat: a dev account on the local chain (its key comes from the runtime under
 * `claw dev`; transactions go through the runtime's /v1/dev/rpc proxy), or a browser wallet through
 * wagmi. Either way the result is the consumer SDK's ClientChain, so the purchase itself is the SDK's
 * code (runtime/client): quote checks, stream sizing, createStream, session-key proofs, settlement.
 */
import type { Account, Address, Chain, Hex, Transport, WalletClient } from "viem";
import { createWalletProviderClients } from "../../../runtime/chain/client.ts";
import { connectChain, type ClientChain } from "../../../runtime/client/chain.ts";

export type Payer = { kind: "dev" | "wallet"; address: Address; chain: ClientChain };

type Contracts = { registry: Address; streamPay: Address };

/**
 * @example
 * const payer = await devPayer({ chainId: 31337, contracts, privateKey });
 */
export async function devPayer(o: { chainId: number; contracts: Contracts; privateKey: Hex; rpcPath?: string }): Promise<Payer> {
  const rpcUrl = new URL(o.rpcPath ?? "/v1/dev/rpc", location.href).href;
  const chain = await connectChain({ rpcUrl, chainId: o.chainId, privateKey: o.privateKey, contracts: o.contracts, pollingIntervalMs: 250 });
  return { kind: "dev", address: chain.wallet!.address, chain };
}

/**
 * A wagmi connector client (an injected wallet) as the SDK's ChainClients (runtime/chain/client.ts):
 * the wallet sends the transactions (eth_sendTransaction) and signs the one EIP-712 session-key
 * authorization per stream; reads go through the wallet's own RPC.
 */
export function walletPayer(o: { chainId: number; contracts: Contracts; client: WalletClient<Transport, Chain, Account> }): Payer {
  const address = o.client.account.address;
  const wallet = createWalletProviderClients({ chain: o.client.chain, provider: o.client, address });
  const chain: ClientChain = { chainId: o.chainId, rpcUrl: "", contracts: o.contracts, publicClient: wallet.publicClient, confirmations: 1, pollingIntervalMs: 1000, wallet };
  return { kind: "wallet", address, chain };
}
