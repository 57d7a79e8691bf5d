/**
 * The conversation: each answer with its running cost while it streams (price × elapsed time, an
 * estimate) and then the exact cost the provider metered; and, once a stream is closed on chain, its
 * receipt: what the provider was paid and what came back, with the transactions.
 */
import { useEffect, useState } from "react";
import type { JobBilling, Receipt } from "../../../runtime/client/types.ts";
import { formatMs, formatWei, shortHex } from "../lib/format.ts";

export type Turn = {
  id: number;
  role: "user" | "assistant";
  text: string;
  status?: "streaming" | "done" | "error";
  startedAt?: number;
  pricePerSecond?: bigint;
  streamId?: bigint;
  billing?: JobBilling;
  error?: string;
};

/** Re-renders every `ms` while `on`. */
function useTick(on: boolean, ms = 100): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [on, ms]);
  return now;
}

function RunningCost({ turn, chainId }: { turn: Turn; chainId: number }) {
  const now = useTick(turn.status === "streaming");
  if (turn.billing) {
    return (
      <span className="cost" data-testid="turn-cost" data-wei={turn.billing.cost.toString()}>
        cost <b>{formatWei(turn.billing.cost, chainId)}</b> · {formatMs(turn.billing.meteredMs)} metered
      </span>
    );
  }
  if (turn.status !== "streaming" || !turn.startedAt || !turn.pricePerSecond) return null;
  const estimate = (BigInt(Math.max(0, now - turn.startedAt)) * turn.pricePerSecond) / 1000n;
  return <span className="cost running" data-testid="running-cost">≈ {formatWei(estimate, chainId)} so far</span>;
}

function ReceiptCard({ r, chainId }: { r: Receipt; chainId: number }) {
  const matches = r.paid === r.metered;
  return (
    <div className="receipt" data-testid="receipt" data-stream-id={r.streamId.toString()} data-deposit={r.deposit.toString()} data-metered={r.metered.toString()} data-paid={r.paid.toString()} data-refunded={r.refunded.toString()}>
      <div className="receipt-head">
        <b>Stream <a href={`#/streams/${r.streamId}`}>#{r.streamId.toString()}</a> closed</b>
        <span className="pill">{r.closedBy.replace("-", " ")}</span>
      </div>
      <dl className="facts">
        <div><dt>Deposit</dt><dd>{formatWei(r.deposit, chainId)}</dd></div>
        <div><dt>Metered by the provider</dt><dd>{formatWei(r.metered, chainId)}</dd></div>
        <div><dt>Paid on chain</dt><dd data-testid="receipt-paid">{formatWei(r.paid, chainId)} {matches ? <span className="ok-text" title="equals the metered cost">✓</span> : null}</dd></div>
        <div><dt>Refunded to you</dt><dd data-testid="receipt-refunded"><b>{formatWei(r.refunded, chainId)}</b></dd></div>
        <div><dt>Transactions</dt><dd className="mono small">open {shortHex(r.txHashes.open)}{r.txHashes.close ? ` · close ${shortHex(r.txHashes.close)}` : ""}</dd></div>
      </dl>
    </div>
  );
}

export function ChatLog({ turns, receipts, chainId }: { turns: Turn[]; receipts: Receipt[]; chainId: number }) {
  if (turns.length === 0 && receipts.length === 0) {
    return <p className="muted chat-empty">Each message is paid by the second from a payment stream you open; what the provider does not meter is refunded when it settles.</p>;
  }
  // Receipts go after the last answer of their stream.
  const lastTurnOf = new Map<string, number>();
  turns.forEach((t, i) => t.streamId !== undefined && lastTurnOf.set(t.streamId.toString(), i));
  return (
    <div className="chat-log" aria-live="polite" data-testid="chat-log">
      {turns.map((t, i) => (
        <div key={t.id}>
          <div className={`bubble ${t.role}`} data-testid={t.role === "assistant" ? "answer" : "question"}>
            <p>{t.text || (t.status === "streaming" ? "…" : "")}</p>
            {t.role === "assistant" && (
              <div className="bubble-foot">
                <RunningCost turn={t} chainId={chainId} />
                {t.error && <span className="error-text">{t.error}</span>}
              </div>
            )}
          </div>
          {receipts.filter((r) => lastTurnOf.get(r.streamId.toString()) === i).map((r) => <ReceiptCard key={r.streamId.toString()} r={r} chainId={chainId} />)}
        </div>
      ))}
      {receipts.filter((r) => !lastTurnOf.has(r.streamId.toString())).map((r) => <ReceiptCard key={r.streamId.toString()} r={r} chainId={chainId} />)}
    </div>
  );
}
