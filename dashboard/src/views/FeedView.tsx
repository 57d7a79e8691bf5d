/** The event log as it happens: streams opened, jobs, settlements, refusals — newest first. */
import type { FeedEvent } from "../lib/api.ts";
import { useFeed } from "../lib/feed.tsx";
import { formatMs, formatTime, formatWei, shortHex, toBig } from "../lib/format.ts";

type Kind = "stream" | "job" | "money" | "bad" | "chain";

/** One line of plain language per event type. */
export function describe(e: FeedEvent, chainId: number): { kind: Kind; text: string } {
  const d = e.data as Record<string, string>;
  const w = (v: unknown) => formatWei(toBig(v as string), chainId);
  switch (e.type) {
    case "StreamOpened": return { kind: "stream", text: `${shortHex(d.sender)} opened a stream: ${w(d.deposit)} over ${d.duration} s` };
    case "JobAccepted": return { kind: "job", text: `job ${shortHex(d.jobId, 8, 0)} accepted for ${d.offering} (${d.task})` };
    case "JobStarted": return { kind: "job", text: `job ${shortHex(d.jobId, 8, 0)} started after ${formatMs(Number(d.queuedMs))} in the queue` };
    case "JobCompleted": return { kind: "job", text: `job ${shortHex(d.jobId, 8, 0)} done: ${formatMs(toBig(d.meteredMs))} metered, ${w(d.cost)}` };
    case "JobFailed": return { kind: "bad", text: `job ${shortHex(d.jobId, 8, 0)} failed (${d.code}): ${formatMs(toBig(d.meteredMs))} billed, ${w(d.cost)}` };
    case "JobRejected": return { kind: "bad", text: `request refused: ${d.code} (${d.status})` };
    case "SettlementSubmitted": return { kind: "money", text: `settlement sent for ${w(d.amount)} (${shortHex(d.txHash)})` };
    case "SettlementFailed": return { kind: "bad", text: `settlement of ${w(d.amount)} failed: ${d.code}` };
    case "StreamSettled": return { kind: "money", text: `settled: provider earned ${w(d.earned)}, refunded ${w(d.refund)}` };
    case "StreamCancelled": return { kind: "money", text: `cancelled by ${shortHex(d.by)}: provider ${w(d.recipientAmount)}, refunded ${w(d.senderRefund)}` };
    case "StreamWithdrawn": return { kind: "money", text: `provider withdrew ${w(d.amount)}` };
    case "StreamBatchUpdated": return { kind: "money", text: `keeper closed: provider ${w(d.recipientAmount)}, refunded ${w(d.senderRefund)}` };
    case "ProviderRegistered": return { kind: "chain", text: `provider #${d.providerId} registered ${d.model} at ${w(d.pricePerSecond)}/s` };
    case "ProviderUpdated": return { kind: "chain", text: `provider #${d.providerId} updated: ${w(d.pricePerSecond)}/s, ${d.active ? "active" : "inactive"}` };
    case "CompletionRecorded": return { kind: "chain", text: `registry recorded a completion for #${d.providerId}: ${w(d.earned)}` };
    case "StreamRated": return { kind: "chain", text: `rated #${d.providerId} ${d.score}/100 by ${shortHex(d.rater)} (paid ${w(d.paid)}; ttft ${d.ttftMs} ms, ${d.failures} failures)` };
    case "EarningsWithdrawn": return { kind: "money", text: `withdrew ${w(d.amount)}` };
    default: return { kind: "chain", text: e.type };
  }
}

const streamOf = (e: FeedEvent): string | undefined => (e.key.startsWith("stream:") ? e.key.slice(7) : typeof e.data.streamId === "string" ? e.data.streamId : undefined);

export function FeedView({ chainId }: { chainId: number }) {
  const { events, status } = useFeed();
  return (
    <section className="card feed" aria-labelledby="feed-title" id="feed">
      <header className="card-head">
        <h2 id="feed-title">Live feed</h2>
        <span className={`pill ${status === "live" ? "ok" : "warn"}`} data-testid="feed-status"><span className={`dot ${status === "live" ? "ok pulse" : "bad"}`} aria-hidden="true" />{status}</span>
      </header>
      {events.length === 0 && <p className="muted">Nothing yet: events appear here as they are written to the log.</p>}
      <ol className="events" data-testid="feed">
        {events.map((e) => {
          const { kind, text } = describe(e, chainId);
          const stream = streamOf(e);
          return (
            <li key={e.position} className={`event ${kind}`} data-testid="feed-event" data-type={e.type} data-position={e.position}>
              <time dateTime={new Date(e.time).toISOString()}>{formatTime(e.time)}</time>
              <span className="type">{e.type}</span>
              <span className="text">{text}{stream && <> · <a href={`#/streams/${stream}`}>stream #{stream}</a></>}</span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
