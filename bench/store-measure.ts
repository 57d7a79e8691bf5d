/**
 * The measurements behind `npm run bench:store`, for one driver: the store against raw SQLite
 * inserts/reads on the same driver, same machine, same run.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeEventData } from "../runtime/core/event-codec.ts";
import * as ev from "../runtime/core/events.ts";
import { evolveProjections, initialProjections } from "../runtime/core/projections/index.ts";
import { openDriver, type DriverName, type SqlDatabase } from "../runtime/store/driver.ts";
import { openStore } from "../runtime/store/open.ts";
import type { Durability } from "../runtime/store/types.ts";

export const N = 100_000;
const SINGLE = 3_000;

/** Realistic traffic: each job is accepted (with a nonce) and completed. */
export function jobEvents(count: number, offset = 0): ev.NewEvent[] {
  const out: ev.NewEvent[] = [];
  for (let i = offset; out.length < count; i++) {
    const jobId = `job-${i.toString(36).padStart(8, "0")}`;
    const streamId = BigInt(1 + (i % 50));
    out.push(ev.jobAccepted({ jobId, streamId, offering: "llama-3.3-70b", providerId: 1n, nonce: BigInt(i), signer: "0x00000000000000000000000000000000000a11ce",
      bodyHash: "0x6c1f1c7d2b9a3e5f4c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b", pricePerSecond: 1_000_000_000_000n, task: "chat" }));
    if (out.length < count) {
      out.push(ev.jobCompleted({ jobId, streamId, meteredMs: 1234n, cost: 1_234_000_000_000n, tokens: { prompt: 42, completion: 128 },
        timings: { firstTokenMs: 80 } }));
    }
  }
  return out;
}

const RAW_SCHEMA = `CREATE TABLE events (position INTEGER PRIMARY KEY, type TEXT NOT NULL, v INTEGER NOT NULL, key TEXT NOT NULL,
  time INTEGER NOT NULL, dedupe TEXT UNIQUE, data TEXT NOT NULL, hash TEXT NOT NULL) STRICT;
  CREATE INDEX events_by_key ON events (key, position);`;

function rawDb(driver: DriverName, path: string, durability: Durability): SqlDatabase {
  const db = openDriver(path, driver, { readonly: false });
  db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${durability === "full" ? "FULL" : "NORMAL"}; ${RAW_SCHEMA}`);
  return db;
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** Raw rows as the baseline inserts them: same columns, pre-encoded data, a constant hash. */
function rawRows(events: ev.NewEvent[]) {
  return events.map((e, i) => [i + 1, e.type, 1, e.key, Date.now(), e.dedupe ?? null, encodeEventData(e.type, e.data), "0".repeat(64)] as const);
}

export type DriverResult = ReturnType<typeof measureDriver>;

/**
 * @example
 * const r = measureDriver("better-sqlite3"); r.batched.store.eventsPerSecond
 */
export function measureDriver(driver: DriverName) {
  const dir = mkdtempSync(join(tmpdir(), "claw-bench-"));
  try {
    const events = jobEvents(N);
    // --- batched append: the whole set in batches of 1000 / raw inserts in one transaction
    const raw = rawDb(driver, join(dir, "raw.db"), "normal");
    const rows = rawRows(events);
    const ins = raw.prepare("INSERT INTO events (position, type, v, key, time, dedupe, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    let t = performance.now();
    raw.transaction(() => { for (const r of rows) ins.run(...r); });
    const rawBatchMs = performance.now() - t;
    const store = openStore({ path: join(dir, "store.db"), driver });
    t = performance.now();
    for (let i = 0; i < N; i += 1000) store.append(events.slice(i, i + 1000));
    const storeBatchMs = performance.now() - t;

    // --- replay: decode + fold / raw row read
    t = performance.now();
    let count = 0;
    for (const r of raw.prepare("SELECT position, type, v, key, time, dedupe, data, hash FROM events ORDER BY position").all()) if (r.position) count++;
    const rawReadMs = performance.now() - t;
    t = performance.now();
    const counted = store.replay((c: number) => c + 1, 0);
    const replayMs = performance.now() - t;
    t = performance.now();
    const projections = store.replay(evolveProjections, initialProjections());
    const projectMs = performance.now() - t;
    t = performance.now();
    const verified = store.verify();
    const verifyMs = performance.now() - t;
    if (counted !== N || count !== N || projections.events !== N || !verified.ok) throw new Error("bench: counts do not match");
    raw.close();
    store.close();

    // --- single appends, one transaction each, per durability level
    const single: Record<string, unknown> = {};
    for (const durability of ["normal", "full"] as const) {
      const one = jobEvents(SINGLE, 10_000_000);
      const r = rawDb(driver, join(dir, `raw-single-${durability}.db`), durability);
      const rIns = r.prepare("INSERT INTO events (position, type, v, key, time, dedupe, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      const rawLat: number[] = [];
      rawRows(one).forEach((row) => { const s = performance.now(); rIns.run(...row); rawLat.push(performance.now() - s); });
      r.close();
      const s1 = openStore({ path: join(dir, `single-${durability}.db`), driver, durability });
      const lat: number[] = [];
      for (const e of one) { const s = performance.now(); s1.append(e); lat.push(performance.now() - s); }
      s1.close();
      rawLat.sort((a, b) => a - b);
      lat.sort((a, b) => a - b);
      single[durability] = {
        store: { p50Ms: round(pct(lat, 50)), p99Ms: round(pct(lat, 99)) },
        raw: { p50Ms: round(pct(rawLat, 50)), p99Ms: round(pct(rawLat, 99)) },
        p50Ratio: round(pct(lat, 50) / pct(rawLat, 50), 2),
      };
    }
    const eps = (ms: number) => Math.round(N / (ms / 1000));
    return {
      driver,
      events: N,
      batched: {
        store: { batchSize: 1000, eventsPerSecond: eps(storeBatchMs), ms: round(storeBatchMs, 1) },
        raw: { batchSize: N, eventsPerSecond: eps(rawBatchMs), ms: round(rawBatchMs, 1) },
        ratio: round(rawBatchMs / storeBatchMs, 2),
      },
      single: single as Record<Durability, { store: { p50Ms: number; p99Ms: number }; raw: { p50Ms: number; p99Ms: number }; p50Ratio: number }>,
      replay: {
        store: { eventsPerSecond: eps(replayMs), ms: round(replayMs, 1) },
        projections: { eventsPerSecond: eps(projectMs), ms: round(projectMs, 1) },
        raw: { eventsPerSecond: eps(rawReadMs), ms: round(rawReadMs, 1), what: "SELECT all rows, no decoding" },
        ratio: round(rawReadMs / replayMs, 2),
      },
      verify: { eventsPerSecond: eps(verifyMs), ms: round(verifyMs, 1) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
