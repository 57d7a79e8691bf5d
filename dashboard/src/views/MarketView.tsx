/**
 * Every active provider in the registry (read by the runtime), in discovery's order (price and
 * reputation: runtime/client/rank.ts), filterable by model, with each endpoint's health as the
 * runtime last probed it and its scorecard from the registry's ratings. "Buy" hands the provider to the chat.
 */
import type { UseQueryResult } from "@tanstack/react-query";
import { useState } from "react";
import type { Market, MarketProvider } from "../lib/api.ts";
import { formatWei, shortHex } from "../lib/format.ts";

type Props = { market: UseQueryResult<Market>; chainId: number; onBuy: (model: string, providerId: string) => void };

/** The provider's on-chain scorecard: what paying consumers rated, weighted by what they paid. */
function Scorecard({ p, chainId }: { p: MarketProvider; chainId: number }) {
  const r = p.reputation;
  if (r === undefined) return <span className="muted small">—</span>;
  if (!r || !r.averages) return <span className="muted small" data-testid="scorecard" data-ratings={r?.ratings ?? "0"}>unrated</span>;
  const a = r.averages;
  return (
    <span className="small" data-testid="scorecard" data-ratings={r.ratings} data-score={a.score} title={`ranked at ${p.effectivePricePerSecond ?? p.pricePerSecond} wei/s effective (price / quality)`}>
      <b>{a.score}/100</b> · {r.ratings} rating{r.ratings === "1" ? "" : "s"}<br />
      <span className="muted">ttft {a.ttftMs} ms · {a.tokensPerSecond} tok/s · {a.failures} failures · raters paid {formatWei(BigInt(r.paidByRaters), chainId)}</span>
    </span>
  );
}

export function MarketView({ market, chainId, onBuy }: Props) {
  const [model, setModel] = useState("");
  const data = market.data;
  const rows = (data?.providers ?? []).filter((p) => !model || p.model === model);
  return (
    <section className="card" aria-labelledby="market-title" id="market">
      <header className="card-head">
        <h2 id="market-title">Market</h2>
        <label className="filter">
          <span>Model</span>
          <select value={model} onChange={(e) => setModel(e.target.value)} data-testid="market-filter">
            <option value="">all models</option>
            {(data?.models ?? []).map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
      </header>
      {market.error && <p className="error-text" role="alert">Cannot read the market: {market.error.message}</p>}
      {market.isPending && <p className="muted">Reading the registry…</p>}
      {data && rows.length === 0 && <p className="muted">No active provider{model ? ` of ${model}` : ""} in the registry.</p>}
      {rows.length > 0 && (
        <table className="market" data-testid="market-table">
          <thead>
            <tr><th>Model</th><th>Price / s</th><th>Price / min</th><th>Endpoint</th><th>Health</th><th>Reputation</th><th>Jobs</th><th>Earned</th><th><span className="sr-only">Buy</span></th></tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p.id} data-testid="provider-row" data-provider-id={p.id} data-model={p.model} data-price={p.pricePerSecond}>
                <td data-label="Model"><b>{p.model}</b> <span className="muted small">#{p.id}</span>{p.self && <span className="pill accent">this runtime</span>}</td>
                <td data-label="Price / s" title={`${p.pricePerSecond} wei`}>{formatWei(BigInt(p.pricePerSecond), chainId)}</td>
                <td data-label="Price / min" title={`${p.pricePerMinute} wei`}>{formatWei(BigInt(p.pricePerMinute), chainId)}</td>
                <td data-label="Endpoint" className="mono small endpoint" title={`${p.endpoint} · wallet ${p.wallet}`}>{p.endpoint}<br /><span className="muted">{shortHex(p.wallet)}</span></td>
                <td data-label="Health">
                  <span className={`dot ${p.health.ok ? "ok" : "bad"}`} aria-hidden="true" />
                  <span title={p.health.detail}>{p.health.ok ? `up · ${p.health.latencyMs} ms` : "down"}</span>
                </td>
                <td data-label="Reputation"><Scorecard p={p} chainId={chainId} /></td>
                <td data-label="Jobs">{p.completedJobs}</td>
                <td data-label="Earned" title={`${p.totalEarned} wei`}>{formatWei(BigInt(p.totalEarned), chainId)}</td>
                <td className="actions">
                  <button type="button" className="btn" disabled={p.serviceType !== 0} title={p.serviceType !== 0 ? "The chat buys text models" : undefined} onClick={() => onBuy(p.model, p.id)}>Buy</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && <p className="muted small source">Read from {data.source === "chain" ? "the registry contract" : "this runtime's log (no chain reader)"} at {new Date(data.readAt).toLocaleTimeString()}.</p>}
    </section>
  );
}
