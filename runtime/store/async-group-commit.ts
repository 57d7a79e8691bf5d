/**
 * Group commit over the async store: appends made while a write is in flight are written together
 * in the next ONE transaction. On PostgreSQL, where appends are serialized and each costs a few
 * round trips, this turns N concurrent appends into a handful of transactions; on SQLite it does
 * what ./group-commit.ts does for the synchronous store.
 *
 * Each `append` resolves only after the transaction holding its event committed, and says whether
 * that event was already in the log (same dedupe id), also when the repeat is in the same group.
 */
import { setImmediate } from "node:timers";
import type { NewEvent, StoredEvent } from "../core/events.ts";
import type { AsyncEventStore } from "./async-types.ts";
import type { GroupAppendResult } from "./group-commit.ts";

type Pending = { event: NewEvent; resolve: (r: GroupAppendResult) => void; reject: (err: unknown) => void };

export type AsyncGroupCommitter = {
  append(event: NewEvent): Promise<GroupAppendResult>;
  /** Resolves when everything appended so far is written (e.g. before closing the store). */
  flush(): Promise<void>;
};

/** At most this many events per transaction: a burst is written in several, in order. */
const MAX_GROUP = 1000;

/**
 * @example
 * const journal = createAsyncGroupCommitter(store);
 * const { duplicate } = await journal.append(jobStarted({ jobId, streamId: 7n, queuedMs: 2 }));
 */
export function createAsyncGroupCommitter(store: Pick<AsyncEventStore, "append">): AsyncGroupCommitter {
  let pending: Pending[] = [];
  let writing: Promise<void> | undefined;

  async function writeGroup(batch: Pending[]): Promise<void> {
    let stored: StoredEvent[];
    try {
      stored = (await store.append(batch.map((p) => p.event))).stored;
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

  function drain(): Promise<void> {
    writing ??= (async () => {
      // Let the current turn of the event loop add its appends to the first group.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (pending.length > 0) {
        const batch = pending.slice(0, MAX_GROUP);
        pending = pending.slice(batch.length);
        await writeGroup(batch);
      }
      writing = undefined;
    })();
    return writing;
  }

  return {
    append(event) {
      return new Promise<GroupAppendResult>((resolve, reject) => {
        pending.push({ event, resolve, reject });
        void drain();
      });
    },
    async flush() {
      while (writing || pending.length > 0) await drain();
    },
  };
}
