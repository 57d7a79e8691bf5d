/**
 * This provider's earnings from its own log: totals, per offering, and a chart over time of what was
 * metered (earned) and what the chain has settled, both cumulative.
 */
import type { UseQueryResult } from "@tanstack/react-query";
import type { Earnings } from "../lib/api.ts";
import { formatMs, formatWei, shortHex, toBig } from "../lib/format.ts";

const W = 640;
const H = 180;
const PAD = 8;
const MIN_BUCKETS = 30;

function fmtAxis(t: number, stepMs: number): string {
  const d = new Date(t);
  return stepMs >= 86_400_000 ? d.toLocaleDateString() : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** Two cumulative series as SVG paths over a shared scale (bigint sums, scaled to the chart at the end). */
export function EarningsChart({ e, chainId }: { e: Earnings; chainId: number }) {
  const { points, stepMs } = e.timeline;
  if (points.length === 0) return <p className="muted chart-empty">No job has ended yet: the chart starts with the first one.</p>;
  let earned = 0n;
  let settled = 0n;
  const cum = points.map((p) => ({ t: p.t, earned: (earned += toBig(p.earned)), settled: (settled += toBig(p.settled)) }));
  const max = cum.reduce((m, p) => (p.earned > m ? p.earned : p.settled > m ? p.settled : m), 1n);
  // At least MIN_BUCKETS wide and up to now, so a short history reads as a rise, not a full box.
  const t1 = Math.max(cum.at(-1)!.t + stepMs, Math.ceil(Date.now() / stepMs) * stepMs);
  const t0 = Math.min(cum[0]!.t, t1 - MIN_BUCKETS * stepMs);
  const x = (t: number) => PAD + ((t - t0) / (t1 - t0)) * (W - 2 * PAD);
  const y = (v: bigint) => H - PAD - (Number((v * 10_000n) / max) / 10_000) * (H - 2 * PAD);
  const step = (key: "earned" | "settled") => {
    let d = `M ${x(t0)} ${y(0n)}`;
    let prev = 0n;
    for (const p of cum) {
      d += ` L ${x(p.t)} ${y(prev)} L ${x(p.t)} ${y(p[key])}`;
      prev = p[key];
    }
    return `${d} L ${x(t1)} ${y(prev)}`;
  };
  const area = `${step("earned")} L ${x(t1)} ${y(0n)} Z`;
  return (
    <figure className="chart" data-testid="earnings-chart">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-label={`Cumulative earnings: ${formatWei(earned, chainId)} metered, ${formatWei(settled, chainId)} settled`}>
        <line x1={PAD} x2={W - PAD} y1={y(0n)} y2={y(0n)} className="axis" />
        <line x1={PAD} x2={W - PAD} y1={y(max)} y2={y(max)} className="grid" />
        <path d={area} className="area" />
        <path d={step("earned")} className="line earned" />
        <path d={step("settled")} className="line settled" />
      </svg>
      <figcaption>
        <span className="muted small">{fmtAxis(t0, stepMs)}</span>
        <span className="legend"><i className="sw earned" /> metered {formatWei(earned, chainId)} <i className="sw settled" /> settled {formatWei(settled, chainId)}</span>
        <span className="muted small">{fmtAxis(t1, stepMs)}</span>
      </figcaption>
    </figure>
  );
}

export function EarningsView({ earnings, chainId }: { earnings: UseQueryResult<Earnings>; chainId: number }) {
  const e = earnings.data;
  return (
    <section className="card" aria-labelledby="earnings-title" id="earnings">
      <header className="card-head">
        <h2 id="earnings-title">Earnings of this provider</h2>
        {e && <span className="mono small muted" title={e.wallet}>{shortHex(e.wallet)}</span>}
      </header>
      {earnings.error && <p className="error-text" role="alert">{earnings.error.message}</p>}
      {e && (
        <>
          <div className="tiles">
            <div className="tile"><span>Metered</span><b data-testid="earned-total" data-wei={e.total.earned}>{formatWei(toBig(e.total.earned), chainId)}</b></div>
            <div className="tile"><span>Settled on chain</span><b data-testid="settled-total" data-wei={e.settled}>{formatWei(toBig(e.settled), chainId)}</b></div>
            <div className="tile"><span>Jobs</span><b>{e.total.jobs}</b>{e.total.failed > 0 && <small className="muted">{e.total.failed} failed</small>}</div>
            <div className="tile"><span>Compute sold</span><b>{formatMs(toBig(e.total.meteredMs))}</b></div>
          </div>
          <EarningsChart e={e} chainId={chainId} />
          {e.byOffering.length > 0 && (
            <table className="small-table">
              <thead><tr><th>Offering</th><th>Jobs</th><th>Metered time</th><th>Earned</th></tr></thead>
              <tbody>
                {e.byOffering.map((o) => (
                  <tr key={o.model}><td>{o.model}</td><td>{o.jobs}</td><td>{formatMs(toBig(o.meteredMs))}</td><td>{formatWei(toBig(o.earned), chainId)}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
