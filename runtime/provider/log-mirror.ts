/**
 * This instance's copy of a log shared by several instances (PostgreSQL). The HTTP layer, the views
 * and the metrics read the log synchronously (`EventStore`: the dashboard, the event feed,
 * GET /v1/jobs/:id); on a shared log they read this copy, an in-memory SQLite log that follows the
 * shared one event by event (`subscribe`, which never skips a late commit).
 *
 * The copy is exact, not a cache: each event is appended with its time, key and dedupe id at the
 * same position, so the SQLite store computes the same hash; a different position or hash means the
 * copy no longer matches and it stops (reported by /health) rather than serve a wrong history.
 * Writes go to the shared store only: the copy refuses `append` and `setCursor`.
 *
 * The copy is a SQLite file in a fresh directory under the OS temp dir (`dir` to choose another),
 * removed at close (and, for an instance that was killed, by the next instance that opens a copy
 * there): the whole log lives on disk and only SQLite's page cache in memory. (It used to be an
 * in-memory database, which grew by every event the provider ever logged.)
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClawError } from "../core/errors.ts";
import type { NewEvent, StoredEvent } from "../core/events.ts";
import type { AsyncEventStore } from "../store/async-types.ts";
import { openStore } from "../store/open.ts";
import { processAlive } from "../store/process-alive.ts";
import type { EventStore } from "../store/types.ts";

export type LogMirror = {
  /** The copy, read-only. */
  readonly log: EventStore;
  /** Resolves once the copy holds `position` (rejects if the copy broke, or after `timeoutMs`). */
  waitFor(position: number, timeoutMs?: number): Promise<void>;
  /** Resolves once the copy holds everything the shared log had committed when called. */
  catchUp(): Promise<void>;
  /** Why the copy stopped following, if it did. */
  readonly broken: Error | undefined;
  close(): void;
};

const PAGE = 2048;
/** How long an append waits for the copy to show it (normally one poke: a few ms). */
const WAIT_MS = 30_000;

function asNew(e: StoredEvent): NewEvent {
  return { type: e.type, v: 1, key: e.key, data: e.data, time: e.time, ...(e.dedupe === null ? {} : { dedupe: e.dedupe }) } as NewEvent;
}

/** Copies left by instances that were killed (no close ran): their process is gone. */
function removeStaleCopies(parent: string): void {
  let names: string[] = [];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^claw-log-copy-(\d+)-/.exec(name)?.[1];
    if (!pid || processAlive(Number(pid))) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
    } catch {
      // Not ours to remove (another user's): left where it is.
    }
  }
}

/**
 * @example
 * const mirror = await openLogMirror(sharedStore);
 * const views = recover(mirror.log, { reapOpenJobs: false });
 */
export async function openLogMirror(shared: AsyncEventStore, o: { onBroken?: (err: Error) => void; dir?: string } = {}): Promise<LogMirror> {
  const parent = o.dir ?? tmpdir();
  removeStaleCopies(parent);
  const dir = mkdtempSync(join(parent, `claw-log-copy-${process.pid}-`));
  let local: ReturnType<typeof openStore>;
  try {
    local = openStore({ path: join(dir, "copy.db"), checkpoint: "background" });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const discard = () => {
    local.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let broken: Error | undefined;
  const waiters = new Set<{ position: number; resolve: () => void; reject: (err: Error) => void }>();

  function copy(events: StoredEvent[]): void {
    if (broken || events.length === 0) return;
    const { stored } = local.append(events.map(asNew));
    events.forEach((e, i) => {
      const s = stored[i];
      if (!broken && (s?.position !== e.position || s.hash !== e.hash)) {
        broken = new ClawError("STORE_CORRUPT", {
          message: `This instance's copy of the shared log diverged at position ${e.position} (got ${s ? `${s.position}/${s.hash.slice(0, 12)}` : "nothing"}, the log has ${e.hash.slice(0, 12)}); it stopped following. Restart the instance; run claw log verify on the database.`,
        });
      }
    });
    if (broken) {
      for (const w of waiters) w.reject(broken);
      waiters.clear();
      o.onBroken?.(broken);
      return;
    }
    const at = local.lastPosition();
    for (const w of waiters) if (w.position <= at) { waiters.delete(w); w.resolve(); }
  }

  // The history so far, in pages; then every later event as the shared store delivers it.
  try {
    for (;;) {
      const page = await shared.read({ from: local.lastPosition() + 1, limit: PAGE });
      copy(page);
      if (broken) throw broken;
      if (page.length < PAGE) break;
    }
  } catch (err) {
    discard();
    throw err;
  }
  const unsubscribe = shared.subscribe((e) => {
    if (e.position === local.lastPosition() + 1) copy([e]);
  }, { from: local.lastPosition() });

  function waitFor(position: number, timeoutMs = WAIT_MS): Promise<void> {
    if (broken) return Promise.reject(broken);
    if (local.lastPosition() >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      // Never forever: a shared store that cannot be read (the database is down) must not hang a
      // request or a shutdown; the caller's write is durable either way.
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(new ClawError("STORE_IO", { message: `This instance's copy of the shared log did not reach position ${position} within ${timeoutMs} ms (at ${local.lastPosition()}): the database cannot be read; it retries.` }));
      }, timeoutMs);
      const w = {
        position,
        resolve: () => { clearTimeout(timer); resolve(); },
        reject: (err: Error) => { clearTimeout(timer); reject(err); },
      };
      waiters.add(w);
    });
  }

  const readOnly = (what: string) => (): never => {
    throw new ClawError("STORE_READ_ONLY", { message: `Cannot ${what} on this instance's copy of the shared log: write through the shared store.` });
  };
  const log: EventStore = Object.assign(Object.create(local) as EventStore, {
    append: readOnly("append"),
    setCursor: readOnly("set a cursor"),
  });

  return {
    log,
    waitFor,
    catchUp: async () => waitFor(await shared.lastPosition()),
    get broken() { return broken; },
    close() {
      unsubscribe();
      const closed = new ClawError("STORE_CLOSED", { message: "This instance's copy of the shared log is closed." });
      for (const w of waiters) w.reject(closed);
      waiters.clear();
      discard();
    },
  };
}
