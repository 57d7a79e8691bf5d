/**
 * Browser wallets through wagmi: only the injected connector (EIP-1193 / EIP-6963 wallets in the
 * page), and every read goes through the wallet itself, so the page never calls an RPC host of its own.
 */
import { useEffect, useMemo, type ReactNode } from "react";
import { defineChain, type Address, type Chain } from "viem";
import { createConfig, injected, unstable_connector, useAccount, useConnect, useDisconnect, useSwitchChain, useWalletClient, WagmiProvider } from "wagmi";
import { chainName, nativeSymbol, shortHex } from "../lib/format.ts";
import { walletPayer, type Payer } from "./payer.ts";

type Contracts = { registry: Address; streamPay: Address };

function chainFor(chainId: number): Chain {
  const symbol = nativeSymbol(chainId);
  return defineChain({ id: chainId, name: chainName(chainId), nativeCurrency: { name: symbol, symbol, decimals: 18 }, rpcUrls: { default: { http: [] } } });
}

export function WalletProviders({ chainId, children }: { chainId: number; children: ReactNode }) {
  const config = useMemo(() => {
    const chain = chainFor(chainId);
    return createConfig({ chains: [chain], connectors: [injected()], transports: { [chain.id]: unstable_connector(injected) } as never, ssr: false });
  }, [chainId]);
  return <WagmiProvider config={config}>{children}</WagmiProvider>;
}

/** Connect / switch network / disconnect; reports the wallet as a Payer once it is on the runtime's chain. */
export function WalletConnect({ chainId, contracts, onPayer }: { chainId: number; contracts: Contracts; onPayer: (p: Payer | null) => void }) {
  const account = useAccount();
  const { connect, connectors, isPending, error } = useConnect();
  const { disconnect } = useDisconnect();
  const { switchChain, isPending: switching } = useSwitchChain();
  const client = useWalletClient({ chainId, query: { enabled: account.isConnected && account.chainId === chainId } });

  useEffect(() => {
    if (account.isConnected && account.chainId === chainId && client.data?.account) onPayer(walletPayer({ chainId, contracts, client: client.data }));
    else onPayer(null);
  }, [account.isConnected, account.chainId, chainId, client.data, contracts, onPayer]);

  if (!account.isConnected) {
    const available = typeof window !== "undefined" && "ethereum" in window;
    return (
      <div className="wallet-row">
        <button type="button" className="btn primary" disabled={isPending || !available} onClick={() => connectors[0] && connect({ connector: connectors[0] })} data-testid="connect-wallet">
          {isPending ? "Connecting…" : "Connect browser wallet"}
        </button>
        {!available && <span className="muted small">No browser wallet found on this page.</span>}
        {error && <span className="error-text small">{error.message.split("\n")[0]}</span>}
      </div>
    );
  }
  return (
    <div className="wallet-row">
      <span className="pill ok">wallet</span>
      <span className="mono" title={account.address} data-testid="wallet-address">{shortHex(account.address)}</span>
      {account.chainId !== chainId && (
        <button type="button" className="btn" disabled={switching} onClick={() => switchChain({ chainId })}>Switch to {chainName(chainId)}</button>
      )}
      <button type="button" className="btn ghost" onClick={() => disconnect()}>Disconnect</button>
    </div>
  );
}
