/**
 * Choosing who pays: on the local dev chain one click takes a funded dev account (its key comes
 * from the runtime, which only shares it under `claw dev`); anywhere, a browser wallet via wagmi.
 */
import { useQuery } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { getJson, type DashboardInfo, type DevAccounts } from "../lib/api.ts";
import { formatWei, shortHex } from "../lib/format.ts";
import { devPayer, type Payer } from "./payer.ts";
import { WalletConnect } from "./wallet.tsx";

type Props = { info: DashboardInfo; payer: Payer | null; onPayer: (p: Payer | null) => void };

export function PayerPicker({ info, payer, onPayer }: Props) {
  const [mode, setMode] = useState<"none" | "dev" | "wallet">("none");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const dev = useQuery({ queryKey: ["dev-accounts"], queryFn: () => getJson<DevAccounts>("/v1/dev/accounts"), enabled: info.dev });
  // The CLI (`claw infer`) pays with the first consumer account; the page defaults to the last one so the two never race for nonces.
  const [picked, setPicked] = useState<number | null>(null);
  const accounts = dev.data?.accounts ?? [];
  const index = picked ?? Math.max(0, accounts.length - 1);
  const balance = useQuery({
    queryKey: ["balance", payer?.address],
    queryFn: async () => (await payer!.chain.publicClient.getBalance({ address: payer!.address })).toString(),
    enabled: payer !== null,
    refetchInterval: 5_000,
  });

  const takeDevAccount = useCallback(async () => {
    const account = accounts[index];
    if (!account) return;
    setBusy(true);
    setError(null);
    try {
      onPayer(await devPayer({ chainId: info.chainId, contracts: info.contracts, privateKey: account.privateKey, rpcPath: dev.data?.rpcPath }));
      setMode("dev");
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }, [accounts, index, info, dev.data, onPayer]);

  const onWalletPayer = useCallback((p: Payer | null) => onPayer(p), [onPayer]);

  if (payer && mode === "dev") {
    return (
      <div className="wallet-row" data-testid="payer">
        <span className="pill ok">dev account</span>
        <span className="mono" title={payer.address}>{shortHex(payer.address)}</span>
        {balance.data && <span className="muted small">{formatWei(BigInt(balance.data), info.chainId)}</span>}
        <button type="button" className="btn ghost" onClick={() => { onPayer(null); setMode("none"); }}>Change</button>
      </div>
    );
  }
  return (
    <div className="payer-picker">
      {info.dev && mode !== "wallet" && (
        <div className="wallet-row">
          <button type="button" className="btn primary" disabled={busy || accounts.length === 0} onClick={takeDevAccount} data-testid="use-dev-account">
            {busy ? "Connecting…" : "Use dev account"}
          </button>
          {accounts.length > 1 && (
            <label className="small muted">
              <span className="sr-only">Dev account</span>
              <select value={index} onChange={(e) => setPicked(Number(e.target.value))}>
                {accounts.map((a, i) => (
                  <option key={a.address} value={i}>
                    {shortHex(a.address)}{a.balance ? ` · ${formatWei(BigInt(a.balance), info.chainId, 2)}` : ""}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      )}
      {mode === "wallet" ? (
        <div className="wallet-row">
          <WalletConnect chainId={info.chainId} contracts={info.contracts} onPayer={onWalletPayer} />
          {balance.data && payer && <span className="muted small">{formatWei(BigInt(balance.data), info.chainId)}</span>}
          {info.dev && <button type="button" className="btn ghost" onClick={() => { onPayer(null); setMode("none"); }}>Back</button>}
        </div>
      ) : (
        <button type="button" className={info.dev ? "btn ghost" : "btn primary"} onClick={() => setMode("wallet")} data-testid="use-wallet">
          {info.dev ? "or a browser wallet" : "Pay with a browser wallet"}
        </button>
      )}
      {error && <p className="error-text small" role="alert">{error}</p>}
    </div>
  );
}
