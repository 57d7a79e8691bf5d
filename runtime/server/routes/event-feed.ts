/**
 * The event log as pages of serialized WebSocket messages, shared by every subscribed socket: the
 * most recent events are kept serialized once in a small ring (live subscribers read from it);
 * an older position is read from the store a page at a time. Nothing is sent from inside an
 * append: the store's listener only records the event and wakes the sockets, which send later.
 */
import { toJsonSafe } from "../../core/event-codec.ts";
import type { StoredEvent } from "../../core/events.ts";
import type { EventStore } from "../../store/types.ts";

const RING = 512;
const READ_BATCH = 64;

export type FeedPage = { texts: string[]; last: number };

export const eventMessage = (event: StoredEvent) => JSON.stringify({ type: "event", event: toJsonSafe(event) });

export function createEventFeed(store: EventStore) {
  let ring: Array<{ position: number; text: string }> = [];
  const wakers = new Set<() => void>();
  const unsubscribe = store.subscribe((event) => {
    if (wakers.size === 0) {
      ring = [];
      return;
    }
    ring.push({ position: event.position, text: eventMessage(event) });
    if (ring.length > RING) ring.splice(0, ring.length - RING);
    for (const wake of wakers) wake();
  });

  /** Events after `after`, up to about `maxBytes` of messages (always at least one when there is one). */
  function page(after: number, maxBytes: number): FeedPage {
    const texts: string[] = [];
    let last = after;
    let bytes = 0;
    const first = ring[0];
    if (first && first.position <= after + 1) {
      for (const r of ring) {
        if (r.position <= after) continue;
        if (texts.length > 0 && bytes + r.text.length > maxBytes) break;
        texts.push(r.text);
        bytes += r.text.length;
        last = r.position;
      }
      return { texts, last };
    }
    for (const event of store.read({ from: after + 1, limit: READ_BATCH })) {
      const text = eventMessage(event);
      if (texts.length > 0 && bytes + text.length > maxBytes) break;
      texts.push(text);
      bytes += text.length;
      last = event.position;
    }
    return { texts, last };
  }

  return {
    page,
    /** Calls `wake` after each append; returns the function that stops it. */
    onAppend(wake: () => void): () => void {
      wakers.add(wake);
      return () => void wakers.delete(wake);
    },
    lastPosition: () => store.lastPosition(),
    close: unsubscribe,
  };
}
export type EventFeed = ReturnType<typeof createEventFeed>;
