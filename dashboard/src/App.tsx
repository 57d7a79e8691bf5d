/**
 * The page: the runtime's facts first (GET /v1/dashboard), then the market, the chat, the live feed
 * and the earnings, or one stream's page (#/streams/<id>). Hash routes, so the runtime serves one file.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { ChatPanel, type ChatTarget } from "./chat/ChatPanel.tsx";
import { WalletProviders } from "./chat/wallet.tsx";
import { getJson, type DashboardInfo, type Earnings, type FeedEvent, type Market } from "./lib/api.ts";
import { FeedProvider, useFeed, useOnEvent } from "./lib/feed.tsx";
import { chainName, shortHex } from "./lib/format.ts";
import { EarningsView } from "./views/EarningsView.tsx";
import { FeedView } from "./views/FeedView.tsx";
import { MarketView } from "./views/MarketView.tsx";
import { StreamPage } from "./views/StreamPage.tsx";

function useHashRoute(): { stream?: string } {
  const read = () => {
    const m = /^#\/streams\/(\d{1,78})$/.exec(location.hash);
    return m ? { stream: m[1] } : {};
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => {
      setRoute(read());
      window.scrollTo(0, 0);
    };
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

const marketEvents = new Set(["ProviderRegistered", "ProviderUpdated", "CompletionRecorded", "StreamRated", "StreamSettled"]);
const earningsEvents = new Set(["JobCompleted", "JobFailed", "StreamSettled"]);

function Home({ info }: { info: DashboardInfo }) {
  const client = useQueryClient();
  const market = useQuery({ queryKey: ["market"], queryFn: () => getJson<Market>("/v1/market"), refetchInterval: 10_000 });
  const earnings = useQuery({ queryKey: ["earnings"], queryFn: () => getJson<Earnings>("/v1/earnings"), refetchInterval: 30_000 });
  const [target, setTarget] = useState<ChatTarget | null>(null);
  useOnEvent((e: FeedEvent) => {
    if (marketEvents.has(e.type)) void client.invalidateQueries({ queryKey: ["market"] });
    if (earningsEvents.has(e.type)) void client.invalidateQueries({ queryKey: ["earnings"] });
  });
  const buy = useCallback((model: string, providerId: string) => {
    setTarget({ model, providerId });
    document.getElementById("chat")?.scrollIntoView({ behavior: "smooth", block: "start" });
  }, []);
  return (
    <>
      <MarketView market={market} chainId={info.chainId} onBuy={buy} />
      <div className="two">
        <ChatPanel info={info} providers={market.data?.providers ?? []} target={target} onTarget={setTarget} />
        <FeedView chainId={info.chainId} />
      </div>
      <EarningsView earnings={earnings} chainId={info.chainId} />
    </>
  );
}

function Header({ info }: { info: DashboardInfo }) {
  const { status } = useFeed();
  return (
    <header className="top">
      <a href="#/" className="brand" aria-label="ClawCompute home"><span className="logo" aria-hidden="true">◆</span> ClawCompute</a>
      <div className="top-facts">
        <span className="pill" title={`StreamPay ${info.contracts.streamPay} · ComputeRegistry ${info.contracts.registry}`}>{chainName(info.chainId)}{info.dev ? " · dev" : ""}</span>
        <span className="mono small muted" title={`provider wallet ${info.wallet}`}>provider {shortHex(info.wallet)}</span>
        <span className={`dot ${status === "live" ? "ok pulse" : "bad"}`} title={`live feed: ${status}`} />
      </div>
    </header>
  );
}

export function App() {
  const info = useQuery({ queryKey: ["info"], queryFn: () => getJson<DashboardInfo>("/v1/dashboard"), staleTime: Infinity });
  const route = useHashRoute();
  if (info.isPending) return <main className="page"><p className="muted">Connecting to the runtime…</p></main>;
  if (info.error) return <main className="page"><p className="error-text" role="alert">This runtime does not answer /v1/dashboard: {info.error.message}</p></main>;
  const data = info.data;
  return (
    <WalletProviders chainId={data.chainId}>
      <FeedProvider startPosition={data.logPosition}>
        <Header info={data} />
        <main className="page">
          {/* Home stays mounted under a stream's page, so an open chat keeps its stream and receipts. */}
          <div className="stack" hidden={route.stream !== undefined}><Home info={data} /></div>
          {route.stream && <StreamPage id={route.stream} chainId={data.chainId} />}
        </main>
        <footer className="foot muted small">Served by this provider's runtime · <a href="/health">health</a> · <a href="/v1/models">models</a> · prices in wei are exact in each tooltip</footer>
      </FeedProvider>
    </WalletProviders>
  );
}
