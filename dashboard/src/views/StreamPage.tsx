/**
 * One payment stream as this provider's log knows it: deposit, rate, metered so far, settled and
 * refunded (from the chain's events), and its jobs. Refreshes while the stream is open.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ApiError, getJson, type StreamRecord } from "../lib/api.ts";
import { useOnEvent } from "../lib/feed.tsx";
import { formatDuration, formatMs, formatTime, formatWei, shortHex, toBig } from "../lib/format.ts";

function Fact({ label, children, testId, wei }: { label: string; children: ReactNode; testId?: string; wei?: string | null }) {
  return <div><dt>{label}</dt><dd data-testid={testId} data-wei={wei ?? undefined}>{children}</dd></div>;
}

export function StreamPage({ id, chainId }: { id: string; chainId: number }) {
  const client = useQueryClient();
  const q = useQuery({
    queryKey: ["stream", id],
    queryFn: () => getJson<StreamRecord>(`/v1/streams/${encodeURIComponent(id)}`),
    refetchInterval: (query) => (query.state.data?.status === "active" || query.state.data?.status === "none" ? 2_000 : false),
    retry: (n, err) => !(err instanceof ApiError && err.status === 404) && n < 3,
  });
  useOnEvent((e) => {
    if (e.key === `stream:${id}` || e.data.streamId === id) void client.invalidateQueries({ queryKey: ["stream", id] });
  });
  const s = q.data;
  const w = (v: string | null | undefined) => formatWei(toBig(v), chainId);
  const deposit = toBig(s?.deposit);
  const share = (v: string | null | undefined) => (deposit > 0n ? Number((toBig(v) * 1000n) / deposit) / 10 : 0);

  return (
    <section className="card" aria-labelledby="stream-title" data-testid="stream-page">
      <header className="card-head">
        <div>
          <h2 id="stream-title" style={{ display: "inline" }}>Stream #{id}</h2>
          {s && <span className={`pill ${s.status === "active" ? "ok" : s.status === "settled" ? "accent" : "warn"}`} data-testid="stream-status">{s.status}</span>}
        </div>
        <a href="#/" className="btn ghost">← Back</a>
      </header>
      {q.error && <p className={q.error instanceof ApiError && q.error.status === 404 ? "muted" : "error-text"} role="alert">{q.error.message}</p>}
      {s && (
        <>
          <div className="meter" aria-label="Share of the deposit metered" title={`${share(s.metered)}% metered`}>
            <div className="bar metered" style={{ width: `${Math.min(100, share(s.metered))}%` }} />
          </div>
          <dl className="facts wide">
            <Fact label="Deposit" testId="stream-deposit" wei={s.deposit}>{w(s.deposit)}</Fact>
            <Fact label="Rate">{w(s.ratePerSecond)}/s over {formatDuration(toBig(s.duration))}</Fact>
            <Fact label="Metered so far" testId="stream-metered" wei={s.metered}>{w(s.metered)} · {formatMs(toBig(s.meteredMs))}</Fact>
            <Fact label="Reserved by running jobs">{w(s.reserved)}</Fact>
            <Fact label="Settled (earned)" testId="stream-settled" wei={s.settled}>{s.settled === null ? "not yet" : w(s.settled)}</Fact>
            <Fact label="Refunded to the sender" testId="stream-refunded" wei={s.refunded}>{w(s.refunded)}</Fact>
            <Fact label="Paid to the provider">{w(s.paidToRecipient)}</Fact>
            <Fact label="Sender"><span className="mono" title={s.sender ?? ""}>{shortHex(s.sender)}</span></Fact>
            <Fact label="Recipient"><span className="mono" title={s.recipient ?? ""}>{shortHex(s.recipient)}</span> · provider #{s.providerId ?? "?"}</Fact>
            <Fact label="Opened"><span className="mono">{s.opened ? `block ${s.opened.blockNumber} · ${shortHex(s.opened.txHash)}` : "—"}</span></Fact>
            <Fact label="Closed"><span className="mono">{s.closed ? `block ${s.closed.blockNumber} · ${shortHex(s.closed.txHash)}` : "—"}</span></Fact>
            <Fact label="Refused requests">{s.rejections}</Fact>
          </dl>
          <h3>Jobs ({s.jobs.length})</h3>
          {s.jobs.length === 0 ? <p className="muted">No job on this stream yet.</p> : (
            <table className="small-table" data-testid="stream-jobs">
              <thead><tr><th>Job</th><th>Status</th><th>Started</th><th>Queued</th><th>Metered</th><th>Cost</th><th>Tokens</th></tr></thead>
              <tbody>
                {s.jobs.map((j) => (
                  <tr key={j.jobId}>
                    <td className="mono" title={j.jobId}>{shortHex(j.jobId, 8, 0)}</td>
                    <td><span className={`pill ${j.status === "completed" ? "ok" : j.status === "failed" ? "bad" : ""}`} title={j.error?.message}>{j.status}</span></td>
                    <td>{j.startedAt ? formatTime(j.startedAt) : "—"}</td>
                    <td>{j.queuedMs === null ? "—" : formatMs(j.queuedMs)}</td>
                    <td>{formatMs(toBig(j.meteredMs))}</td>
                    <td>{w(j.cost)}</td>
                    <td>{j.tokens ? `${j.tokens.prompt ?? "?"} → ${j.tokens.completion ?? "?"}` : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
