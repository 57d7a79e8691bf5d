/**
 * `subscribe` for the async stores: each subscription reads the log forward from its own position,
 * in pages, whenever this instance appended (`poke`) and every `pollMs` (another instance or
 * process may have appended). Because it reads by position through the store's `read` — which on
 * PostgreSQL stops below the oldest in-flight transaction — it never skips an event that commits
 * late, and calls each listener once per event, in position order.
 */
// Node's timers (also under Deno): their handles have unref(), the global ones in Deno do not.
import { clearInterval, setInterval } from "node:timers";
import type { EventType, StoredEvent } from "../core/events.ts";
import type { AsyncListener } from "./async-types.ts";

export type FollowSource = {
  readAfter(after: number, limit: number): Promise<StoredEvent[]>;
  lastPosition(): Promise<number>;
};

export type Follower = {
  subscribe(listener: AsyncListener, opts?: { from?: number; types?: readonly EventType[] }): () => void;
  /** Wakes every subscription now (after an append of this instance). */
  poke(): void;
  stop(): void;
};

const PAGE = 1000;

/**
 * @example
 * const follower = createFollower({ readAfter, lastPosition }, { pollMs: 250 });
 * const off = follower.subscribe((e) => console.log(e.position));
 */
export function createFollower(source: FollowSource, opts: { pollMs: number }): Follower {
  const subs = new Set<() => void>();
  let timer: NodeJS.Timeout | undefined;
  const wakeAll = (): void => { for (const wake of subs) wake(); };
  const ensureTimer = (): void => {
    if (timer || subs.size === 0) return;
    timer = setInterval(wakeAll, opts.pollMs);
    timer.unref();
  };

  function subscribe(listener: AsyncListener, o: { from?: number; types?: readonly EventType[] } = {}): () => void {
    const types = o.types && o.types.length > 0 ? new Set<string>(o.types) : undefined;
    let after: Promise<number> = o.from !== undefined ? Promise.resolve(o.from) : source.lastPosition();
    let running = false;
    let again = false;
    let stopped = false;

    async function pump(): Promise<void> {
      if (running) { again = true; return; }
      running = true;
      try {
        let pos = await after;
        do {
          again = false;
          for (;;) {
            const page = await source.readAfter(pos, PAGE);
            for (const event of page) {
              if (stopped) return;
              pos = event.position;
              if (types && !types.has(event.type)) continue;
              // A failing listener must not stop the others or the subscription.
              try { listener(event); } catch (err) { console.error(`event store subscriber failed at position ${event.position}:`, err); }
            }
            if (page.length < PAGE) break;
          }
        } while (again && !stopped);
        after = Promise.resolve(pos);
      } catch (err) {
        if ((err as { code?: string }).code !== "STORE_CLOSED") console.error("event store subscription: read failed, retrying at the next poll:", err);
      } finally {
        running = false;
      }
    }

    const wake = (): void => { if (!stopped) void pump(); };
    subs.add(wake);
    ensureTimer();
    wake();
    return () => {
      stopped = true;
      subs.delete(wake);
      if (subs.size === 0 && timer) { clearInterval(timer); timer = undefined; }
    };
  }

  return {
    subscribe,
    poke: wakeAll,
    stop() {
      subs.clear();
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
