/**
 * Group commit: appends made while the event loop handles one batch of I/O are written in ONE
 * SQLite transaction, flushed in the next check phase (setImmediate). Under concurrency this turns
 * N commits into one; alone, a request waits well under a millisecond for its flush.
 *
 * Each `append` resolves only after the transaction holding its event has committed, so what it
 * acknowledges is exactly what `EventStore.append` acknowledges (see the durability promise).
 * `duplicate` tells whether that event was already in the log (same dedupe id), even when the
 * repeat is in the same group.
 */
import { setImmediate } from "node:timers";
import type { NewEvent, StoredEvent } from "../core/events.ts";
import type { EventStore } from "./types.ts";

export type GroupAppendResult = { event: StoredEvent | undefined; duplicate: boolean };

type Pending = { event: NewEvent; resolve: (r: GroupAppendResult) => void; reject: (err: unknown) => void };

export type GroupCommitter = {
  append(event: NewEvent): Promise<GroupAppendResult>;
  /** Writes whatever is pending now (e.g. before closing the store). */
  flush(): void;
};

/**
 * @example
 * const journal = createGroupCommitter(store);
 * const { duplicate } = await journal.append(jobAccepted({ ... }));
 */
export function createGroupCommitter(store: Pick<EventStore, "append">): GroupCommitter {
  let pending: Pending[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let stored: StoredEvent[];
    try {
      stored = store.append(batch.map((p) => p.event)).stored;
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    // The store keeps input order and skips duplicates, so walking both lists pairs them up.
    let i = 0;
    for (const p of batch) {
      const s = stored[i];
      if (s && s.type === p.event.type && s.key === p.event.key && s.dedupe === (p.event.dedupe ?? null)) {
        i++;
        p.resolve({ event: s, duplicate: false });
      } else p.resolve({ event: undefined, duplicate: true });
    }
  }

  return {
    append(event) {
      return new Promise<GroupAppendResult>((resolve, reject) => {
        pending.push({ event, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
  };
}
