/**
 * The live event log over the runtime's WebSocket (GET /v1/ws, {"type":"subscribe","topic":"events"}):
 * one connection for the whole page, replaying the last events first, reconnecting with backoff and
 * resuming after the last position seen. Components read the events, or are told of each new one.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import type { FeedEvent } from "./api.ts";

const KEEP = 200;
const REPLAY = 60;

type FeedState = { events: FeedEvent[]; status: "connecting" | "live" | "offline"; onEvent(fn: (e: FeedEvent) => void): () => void };

const FeedContext = createContext<FeedState>({ events: [], status: "connecting", onEvent: () => () => undefined });

export function wsUrl(path: string): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
}

export function FeedProvider({ startPosition, children }: { startPosition: number; children: ReactNode }) {
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [status, setStatus] = useState<FeedState["status"]>("connecting");
  const listeners = useRef(new Set<(e: FeedEvent) => void>());

  useEffect(() => {
    let last = Math.max(0, startPosition - REPLAY);
    let socket: WebSocket | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      setStatus("connecting");
      const ws = new WebSocket(wsUrl("/v1/ws"));
      socket = ws;
      ws.onopen = () => {
        attempt = 0;
        setStatus("live");
        ws.send(JSON.stringify({ type: "subscribe", topic: "events", from: last }));
      };
      ws.onmessage = (msg) => {
        const m = JSON.parse(String(msg.data)) as { type: string; event?: FeedEvent };
        if (m.type !== "event" || !m.event || m.event.position <= last) return;
        const e = m.event;
        last = e.position;
        setEvents((old) => [e, ...old].slice(0, KEEP));
        for (const fn of listeners.current) fn(e);
      };
      ws.onclose = () => {
        if (stopped) return;
        setStatus("offline");
        retry = setTimeout(connect, Math.min(10_000, 500 * 2 ** attempt++));
      };
      // An error is always followed by close, which retries; nothing to report twice.
      ws.onerror = () => undefined;
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [startPosition]);

  const onEvent = useCallback((fn: (e: FeedEvent) => void) => {
    listeners.current.add(fn);
    return () => void listeners.current.delete(fn);
  }, []);
  const value = useMemo<FeedState>(() => ({ events, status, onEvent }), [events, status, onEvent]);
  return <FeedContext.Provider value={value}>{children}</FeedContext.Provider>;
}

export const useFeed = () => useContext(FeedContext);

/** Calls `fn` for each new event (the latest `fn`, without resubscribing on each render). */
export function useOnEvent(fn: (e: FeedEvent) => void): void {
  const { onEvent } = useFeed();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => onEvent((e) => ref.current(e)), [onEvent]);
}
