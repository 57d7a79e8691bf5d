/**
 * Buy inference from the page: pick a model (the cheapest healthy provider by default, or the one
 * chosen in the market), see its quote, then each message streams its answer with a running cost;
 * the first message opens a payment stream, later ones reuse it, and once the provider settles it
 * (after it has been idle) the receipt shows what was paid and refunded, read from the chain.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import type { Session } from "../../../runtime/client/session.ts";
import type { ChatMessage, ProgressEvent, Receipt } from "../../../runtime/client/types.ts";
import type { DashboardInfo, MarketProvider } from "../lib/api.ts";
import { formatDuration, formatMs, formatWei } from "../lib/format.ts";
import { ChatLog, type Turn } from "./ChatLog.tsx";
import { PayerPicker } from "./PayerPicker.tsx";
import type { Payer } from "./payer.ts";
import { openSession, plannedStream, quoteOf, toProviderInfo, whenClosed } from "./purchase.ts";

export type ChatTarget = { model: string; providerId?: string };
type Props = { info: DashboardInfo; providers: MarketProvider[]; target: ChatTarget | null; onTarget: (t: ChatTarget) => void };

const TEXT = 0;

export function ChatPanel({ info, providers, target, onTarget }: Props) {
  const [payer, setPayer] = useState<Payer | null>(null);
  const [expectedSeconds, setExpectedSeconds] = useState(20);
  const [session, setSession] = useState<Session | null>(null);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [steps, setSteps] = useState<ProgressEvent[]>([]);
  const [receipts, setReceipts] = useState<Receipt[]>([]);
  const [draft, setDraft] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const watch = useRef<AbortController | null>(null);

  const textProviders = providers.filter((p) => p.serviceType === TEXT);
  const models = [...new Set(textProviders.map((p) => p.model))].sort();
  const model = target?.model && models.includes(target.model) ? target.model : models[0];
  // The market is cheapest first: without an explicit choice, take the cheapest healthy one.
  const row = textProviders.find((p) => p.model === model && (target?.providerId ? p.id === target.providerId : p.health.ok)) ?? textProviders.find((p) => p.model === model);
  const provider = useMemo(() => (row ? toProviderInfo(row) : null), [row?.id, row?.endpoint, row?.pricePerSecond, row?.self]);
  const quote = useQuery({
    queryKey: ["quote", provider?.id.toString(), provider?.endpoint],
    queryFn: () => quoteOf(info, provider!),
    enabled: provider !== null,
    refetchInterval: 15_000,
  });
  const plan = quote.data && provider ? plannedStream(quote.data, provider, expectedSeconds) : null;
  const locked = session !== null || busy;

  useEffect(() => () => watch.current?.abort(), []);
  const progress = (p: ProgressEvent) => setSteps((s) => [...s.slice(-5), p]);

  function watchSettlement(s: Session, p: Payer) {
    watch.current?.abort();
    const ctl = new AbortController();
    watch.current = ctl;
    whenClosed(p, s, ctl.signal).then(
      (receipt) => {
        setReceipts((r) => [...r, receipt]);
        setSession((cur) => (cur === s ? null : cur));
        progress({ phase: "settle", message: `stream ${receipt.streamId} closed (${receipt.closedBy})` });
      },
      (err: Error) => setError(err.message),
    );
  }

  async function send() {
    const text = draft.trim();
    if (!text || !payer || !provider || !quote.data || busy) return;
    setBusy(true);
    setError(null);
    setDraft("");
    const history: ChatMessage[] = turns.filter((t) => t.status !== "error").map((t) => ({ role: t.role, content: t.text }));
    const id = Date.now();
    setTurns((t) => [...t, { id, role: "user", text }, { id: id + 1, role: "assistant", text: "", status: "streaming", startedAt: Date.now(), pricePerSecond: quote.data.pricePerSecond }]);
    const patch = (f: (t: Turn) => Turn) => setTurns((all) => all.map((t) => (t.id === id + 1 ? f(t) : t)));
    try {
      let s = session;
      if (!s) {
        s = await openSession(payer, provider, quote.data, expectedSeconds, progress);
        setSession(s);
        watchSettlement(s, payer);
      }
      progress({ phase: "infer", message: `asking ${provider.model} on stream ${s.stream.streamId}` });
      patch((t) => ({ ...t, startedAt: Date.now(), streamId: s.stream.streamId }));
      const run = s.infer([...history, { role: "user", content: text }]);
      for await (const token of run) patch((t) => ({ ...t, text: t.text + token }));
      const result = await run.result();
      patch((t) => ({ ...t, status: "done", billing: result.billing }));
      progress({ phase: "infer", message: `answered: ${formatMs(result.billing.meteredMs)} metered, ${formatWei(result.billing.cost, info.chainId)}` });
    } catch (err) {
      patch((t) => ({ ...t, status: "error", error: (err as Error).message }));
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function close(cancel: boolean) {
    if (!session) return;
    setBusy(true);
    setError(null);
    try {
      await session.close({ cancel, onProgress: progress });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card chat" aria-labelledby="chat-title" id="chat">
      <header className="card-head">
        <h2 id="chat-title">Buy inference</h2>
        <PayerPicker info={info} payer={payer} onPayer={setPayer} />
      </header>

      <div className="chat-setup">
        <label>
          <span>Model</span>
          <select value={model ?? ""} disabled={locked || models.length === 0} onChange={(e) => onTarget({ model: e.target.value })} data-testid="chat-model">
            {models.length === 0 && <option value="">no text provider yet</option>}
            {models.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>
          <span>Expected compute</span>
          <select value={expectedSeconds} disabled={locked} onChange={(e) => setExpectedSeconds(Number(e.target.value))}>
            {[10, 20, 60, 300].map((s) => <option key={s} value={s}>{formatDuration(s)}</option>)}
          </select>
        </label>
        <div className="quote" data-testid="quote" aria-live="polite">
          {quote.isPending && provider && <span className="muted">asking for a quote…</span>}
          {quote.error && <span className="error-text">{quote.error.message}</span>}
          {quote.data && plan && (
            <>
              <span><b>{formatWei(quote.data.pricePerSecond, info.chainId)}</b>/s · {formatWei(quote.data.pricePerSecond * 60n, info.chainId)}/min</span>
              <span className="muted">provider #{quote.data.providerId.toString()} · queue {formatMs(quote.data.queue.expectedWaitMs)} · min job {formatMs(quote.data.minJobMs)}</span>
              <span className="muted">deposit <b data-testid="quote-deposit" data-wei={plan.deposit.toString()}>{formatWei(plan.deposit, info.chainId)}</b> over {formatDuration(plan.durationSeconds)} — what is not metered comes back</span>
            </>
          )}
        </div>
      </div>

      <ChatLog turns={turns} receipts={receipts} chainId={info.chainId} />

      {session && (
        <div className="stream-bar" data-testid="open-stream">
          <span>Stream <a href={`#/streams/${session.stream.streamId}`}>#{session.stream.streamId.toString()}</a> open · deposit {formatWei(session.stream.deposit, info.chainId)} · metered <b data-testid="session-metered">{formatWei(session.metered(), info.chainId)}</b></span>
          <span className="muted small">The provider settles it once idle; or</span>
          <button type="button" className="btn" disabled={busy} onClick={() => close(false)}>Settle now</button>
          <button type="button" className="btn ghost" disabled={busy} onClick={() => close(true)} title="Cancel on chain: the provider gets rate × elapsed time">Cancel</button>
        </div>
      )}

      <form className="composer" onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <label className="sr-only" htmlFor="chat-input">Message</label>
        <input id="chat-input" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={payer ? "Ask something…" : "Choose who pays first"} disabled={!payer || busy} autoComplete="off" data-testid="chat-input" />
        <button type="submit" className="btn primary" disabled={!payer || !quote.data || busy || !draft.trim()} data-testid="chat-send">
          {busy ? "…" : session ? "Send" : "Open stream & send"}
        </button>
      </form>
      {error && <p className="error-text" role="alert">{error}</p>}
      {steps.length > 0 && (
        <ol className="steps" aria-label="Purchase progress" data-testid="steps">
          {steps.map((s, i) => <li key={i}><span className="pill">{s.phase}</span> {s.message}</li>)}
        </ol>
      )}
    </section>
  );
}
