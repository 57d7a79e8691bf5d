/**
 * WAL checkpoints off the event loop (`openStore({ checkpoint: "background" })`). SQLite's automatic
 * checkpoint runs inside whichever COMMIT crosses its threshold, on the caller's thread: copying up
 * to ~40 MiB of pages back into the database file, with fsyncs, in the middle of a paid request. Here a
 * worker thread (./checkpoint-worker.mjs) with its own connection copies the bulk with PASSIVE
 * checkpoints, which never block the writer or readers.
 *
 * Why the main connection keeps a backstop (`wal_autocheckpoint = 16000`) instead of 0: SQLite
 * restarts the WAL from its start only when a write transaction begins with every frame copied back.
 * Under steady load, commits land while the worker copies, so its checkpoints never quite finish and
 * the WAL would never restart: measured here with 0, 2.2 GB of WAL after 7 s of back-to-back appends,
 * with a healthy worker. With the backstop, once the WAL holds 16,000 frames (~63 MiB, under the 64 MiB
 * journal_size_limit) the committing call copies the small remainder the worker left (a few hundred
 * frames: ~8 ms here, mostly the two fsyncs, against ~28 ms for SQLite's inline 10,000-page checkpoint)
 * and the WAL restarts. When the writer pauses for one poll interval, the worker's checkpoint
 * completes and the main connection does nothing. The backstop also bounds the WAL if the worker hangs.
 *
 * Numbers (pages of 4 KiB; a WAL frame is a page plus 24 bytes):
 * - threshold 4,000 frames (~16 MiB): the pages every commit rewrites (the table's last leaf, the
 *   index pages) are copied once per thousands of commits rather than every few; the WAL stays in the
 *   page cache; a checkpoint takes tens of milliseconds, so several run per backstop cycle.
 * - poll every 200 ms: reading 136 bytes of the -shm file costs a few µs; back-to-back appends of 10
 *   events here write ~14,000 frames/s, so the WAL grows ~3,000 frames in one interval: a bulk copy
 *   starts before the WAL is a third of the way to the backstop.
 * - if the worker errors or exits unexpectedly the main connection goes back to 10,000 (the inline
 *   mode's value) and `onError` hears why.
 * - stop() (from close()) wakes the worker, waits for it to close its connection (Atomics.wait, so
 *   close() stays synchronous), then the main connection closes last and does SQLite's final checkpoint.
 */
import { Worker } from "node:worker_threads";
import type { SqlDatabase } from "./driver.ts";

export type CheckpointMode = "inline" | "background";

/** Indexes into the shared Int32Array (the worker uses the same numbers). */
export const Ctl = { STOP: 0, STATE: 1, CHECKPOINTS: 2, FRAMES: 3, BUSY: 4, PENDING: 5, TICKS: 6 } as const;
export const INLINE_AUTOCHECKPOINT = 10_000;
export const BACKSTOP_AUTOCHECKPOINT = 16_000;
const DEFAULT_THRESHOLD = 4_000;
const DEFAULT_INTERVAL_MS = 200;
/** How long close() waits for a worker in the middle of a checkpoint before it closes anyway (safe: SQLite locks). */
const STOP_WAIT_MS = 10_000;

export type CheckpointerOptions = {
  thresholdPages?: number;
  intervalMs?: number;
  synchronous: "NORMAL" | "FULL";
  onError?: (err: unknown) => void;
};

export type CheckpointerStats = {
  /** "background" while the worker runs; "inline" after it failed or stopped (SQLite's own checkpoint is back). */
  mode: CheckpointMode;
  /** Checkpoints by the worker that copied frames, and the WAL frames (pages) they copied. */
  checkpoints: number;
  frames: number;
  /** Whether the worker is inside a checkpoint right now. */
  busy: boolean;
  /** WAL frames not yet copied back at the worker's last look (-1: unknown), and how many looks so far. */
  pending: number;
  looks: number;
};

export interface Checkpointer {
  stats(): CheckpointerStats;
  /** Resolves once the worker opened its connection (or ended). For tests. */
  ready(): Promise<void>;
  /** Stops the worker and waits until its connection is closed (synchronous). */
  stop(): void;
  /** Test hook: kills the worker thread as a crash would (no clean close of its connection). */
  kill(): Promise<void>;
}

const workerUrl = new URL("./checkpoint-worker.mjs", import.meta.url);
const byStore = new WeakMap<object, Checkpointer>();

/** The checkpointer of a store opened with `checkpoint: "background"` (tests, diagnostics). */
export const checkpointerOf = (store: object): Checkpointer | undefined => byStore.get(store);
/** Called by openStore. */
export const registerCheckpointer = (store: object, ck: Checkpointer): void => void byStore.set(store, ck);

/**
 * Starts the worker for the file `path` that `db` (the main, writable connection) has open.
 * @example
 * const ck = startCheckpointer(db, "/var/lib/claw/events.db", { synchronous: "NORMAL", onError: warn });
 */
export function startCheckpointer(db: SqlDatabase, path: string, o: CheckpointerOptions): Checkpointer {
  const ctl = new Int32Array(new SharedArrayBuffer(8 * Int32Array.BYTES_PER_ELEMENT));
  let mode: CheckpointMode = "background";
  let stopping = false;
  db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT}`);
  const worker = new Worker(workerUrl, {
    workerData: {
      path, ctl: ctl.buffer, synchronous: o.synchronous,
      thresholdPages: Math.max(1, Math.floor(o.thresholdPages ?? DEFAULT_THRESHOLD)),
      intervalMs: Math.max(1, Math.floor(o.intervalMs ?? DEFAULT_INTERVAL_MS)),
    },
    // Only this file runs there: no loaders, no inherited flags.
    execArgv: [],
  });
  // Never keeps the process alive by itself; a process that exits without close() loses nothing (WAL).
  worker.unref();
  const failed = (err: unknown): void => {
    if (stopping || mode === "inline") return;
    mode = "inline";
    try {
      db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
    } catch { /* the connection is closed: nothing to protect */ }
    o.onError?.(err);
  };
  const back = `for ${path}; SQLite checkpoints inline again (every ${INLINE_AUTOCHECKPOINT} pages)`;
  worker.on("error", (err) => failed(new Error(`The WAL checkpoint worker failed ${back}: ${err.message}`, { cause: err })));
  worker.on("exit", (code) => failed(new Error(`The WAL checkpoint worker exited unexpectedly (code ${code}) ${back}.`)));
  const ended = new Promise<void>((done) => worker.once("exit", () => done()));

  return {
    stats: () => ({
      mode, checkpoints: Atomics.load(ctl, Ctl.CHECKPOINTS), frames: Atomics.load(ctl, Ctl.FRAMES), busy: Atomics.load(ctl, Ctl.BUSY) === 1,
      pending: Atomics.load(ctl, Ctl.PENDING), looks: Atomics.load(ctl, Ctl.TICKS),
    }),
    async ready() {
      while (Atomics.load(ctl, Ctl.STATE) === 0 && mode === "background") {
        await Promise.race([ended, new Promise((r) => setTimeout(r, 10))]);
      }
    },
    stop() {
      if (stopping) return;
      stopping = true;
      Atomics.store(ctl, Ctl.STOP, 1);
      Atomics.notify(ctl, Ctl.STOP);
      if (mode === "background") {
        const deadline = Date.now() + STOP_WAIT_MS;
        for (let state = Atomics.load(ctl, Ctl.STATE); state !== 2 && Date.now() < deadline; state = Atomics.load(ctl, Ctl.STATE)) {
          Atomics.wait(ctl, Ctl.STATE, state, Math.max(1, deadline - Date.now()));
        }
      }
      mode = "inline";
      void worker.terminate();
    },
    async kill() {
      await worker.terminate();
      await ended;
    },
  };
}
