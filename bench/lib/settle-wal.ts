/**
 * After a measured run on a SQLite log, copies its WAL back into the database (PASSIVE checkpoints,
 * retried while the background checkpointer holds the lock) so that the checkpoint work a run caused
 * is done, and counted, before the next run starts: it must not land in another server's window.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { EventStore } from "../../runtime/store/index.ts";

/**
 * @example
 * serveBench(info, { settleWal: () => settleWal(store) }, close);
 */
export async function settleWal(store: Pick<EventStore, "checkpoint">, maxTries = 200): Promise<{ walPages: number; checkpointedPages: number }> {
  let last = { walPages: 0, checkpointedPages: 0 };
  for (let i = 0; i < maxTries; i++) {
    last = store.checkpoint();
    if (last.checkpointedPages >= last.walPages) return last;
    await sleep(10);
  }
  return last;
}
