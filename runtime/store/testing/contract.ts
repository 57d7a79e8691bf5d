/**
 * THE contract of the async event store, run against every driver (runtime/store/async-store.test.ts): SQLite
 * (better-sqlite3, node:sqlite) and PostgreSQL. Each test opens two store instances on one log —
 * what two runtime instances of one provider do — and checks what they must agree on.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { isClawError } from "../../core/errors.ts";
import { encodeEventData } from "../../core/event-codec.ts";
import * as ev from "../../core/events.ts";
import { evolveProjections, initialProjections } from "../../core/projections/index.ts";
import { sampleEvents } from "../../core/testing/sample-events.ts";
import type { StoredEvent } from "../../core/events.ts";
import type { AsyncEventStore, LeaderLease } from "../async-types.ts";
import { chainHash, GENESIS_HASH } from "../hash.ts";

/** A raw write transaction on the log, outside the store (to build the late-commit case). */
export type RawWrite = { commit(): Promise<void> };

export type ContractLog = {
  /** One more store instance on this log. */
  open(): Promise<AsyncEventStore>;
  /** Ends `lease`'s session as a crash would (PostgreSQL: pg_terminate_backend; SQLite: its store closes without releasing). */
  killLeader(store: AsyncEventStore, lease: LeaderLease): Promise<void>;
  /** Begins a transaction inserting this row at `position` and leaves it open. */
  beginRawInsert(row: { position: number; type: string; key: string; time: number; data: string; hash: string }): Promise<RawWrite>;
  /** Changes the stored data of `position` behind the store's back (triggers disabled). */
  tamper(position: number): Promise<void>;
  /** Tries an UPDATE through plain SQL; resolves to the error message. */
  rawUpdate(): Promise<string>;
};

/**
 * The store, with every read first waiting until it shows what was appended through either instance.
 * On PostgreSQL a reader stays below the oldest transaction in flight on the whole server (the
 * late-commit rule), so while another test file's transaction is open a read may briefly lag behind
 * an append that already returned; the contract is that it never SKIPS an event, which is what the
 * tests check, not that it is never late.
 */
function caughtUp(store: AsyncEventStore, seen: { position: number }): AsyncEventStore {
  const note = <R extends { stored?: StoredEvent[]; event?: StoredEvent }>(r: R): R => {
    for (const e of [...(r.stored ?? []), ...(r.event ? [r.event] : [])]) seen.position = Math.max(seen.position, e.position);
    return r;
  };
  const wait = () => waitFor(`the reader to reach position ${seen.position}`, async () => (await store.lastPosition()) >= seen.position);
  const reads = new Set(["read", "readByKey", "lastPosition", "replay", "verify", "hasNonce"]);
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (prop === "append" || prop === "admitJob") return async (...args: unknown[]) => note((await fn.apply(target, args)) as { stored?: StoredEvent[] });
      if (typeof prop === "string" && reads.has(prop)) return async (...args: unknown[]) => { await wait(); return fn.apply(target, args); };
      return fn.bind(target);
    },
  });
}

export type ContractHarness = {
  /** Whether two write transactions can be open at once (PostgreSQL yes, SQLite no). */
  concurrentWriters: boolean;
  freshLog(): Promise<ContractLog>;
};

const accepted = (streamId: bigint, nonce: bigint, jobId = `job-${streamId}-${nonce}`) =>
  ev.jobAccepted({ jobId, streamId, offering: "echo-1", providerId: 1n, nonce, bodyHash: "0x01", signer: "0xa", pricePerSecond: 10n, task: "chat" });
const started = (jobId: string, streamId = 7n) => ev.jobStarted({ jobId, streamId, queuedMs: 1 });
const positions = (events: StoredEvent[]) => events.map((e) => e.position);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * @example
 * runStoreContract({ concurrentWriters: true, freshLog: async () => ({ open, killLeader, ... }) });
 */
export function runStoreContract(h: ContractHarness): void {
  const two = async () => {
    const log = await h.freshLog();
    const seen = { position: 0 };
    const a = caughtUp(await log.open(), seen);
    const b = caughtUp(await log.open(), seen);
    return { log, a, b, close: async () => { await a.close(); await b.close(); } };
  };

  test("append and read: global order, batches, key and type filters, replay, the same hash function as hash.ts", async () => {
    const { a, b, close } = await two();
    const first = await a.append({ ...started("j1"), time: 1000 });
    const data = encodeEventData("JobStarted", started("j1").data);
    assert.equal(first.stored[0]!.hash, chainHash(GENESIS_HASH, { position: 1, type: "JobStarted", v: 1, key: "job:j1", time: 1000, dedupe: "job:j1:started", data }));
    const batch = await b.append([started("j2"), accepted(7n, 1n), started("j3")]);
    assert.deepEqual(positions(batch.stored), [2, 3, 4]);
    assert.deepEqual(positions(await a.read()), [1, 2, 3, 4]);
    assert.deepEqual(positions(await a.read({ from: 2, to: 3 })), [2, 3]);
    assert.deepEqual(positions(await b.read({ types: ["JobAccepted"] })), [3]);
    assert.deepEqual(positions(await b.readByKey("job:j2")), [2]);
    assert.deepEqual(positions(await a.read({ limit: 2 })), [1, 2]);
    assert.equal(await b.lastPosition(), 4);
    assert.equal(await a.replay((n: number) => n + 1, 0, { until: 3 }), 3);
    assert.deepEqual((await a.read()).map((e) => e.hash), [first.stored[0]!.hash, ...batch.stored.map((e) => e.hash)]);
    await close();
  });

  test("replay into every projection gives what folding the stored events in memory gives (claw replay on either driver)", async () => {
    const { a, b, close } = await two();
    await a.append(sampleEvents(7n));
    await b.append(sampleEvents(8n, 2));
    const stored = await b.read();
    assert.ok(stored.length > 10);
    const expected = stored.reduce(evolveProjections, initialProjections());
    assert.deepEqual(await a.replay(evolveProjections, initialProjections()), expected);
    assert.deepEqual(stored.map((e) => e.data), [...sampleEvents(7n), ...sampleEvents(8n, 2)].map((e) => e.data), "data round-trips, bigints included");
    await close();
  });

  test("dedupe: a repeat in the batch or from the other instance is counted, not stored", async () => {
    const { a, b, close } = await two();
    const r1 = await a.append([started("j1"), started("j1"), started("j2")]);
    assert.deepEqual([r1.stored.length, r1.duplicates], [2, 1]);
    const r2 = await b.append([started("j2"), started("j3")]);
    assert.deepEqual([positions(r2.stored), r2.duplicates], [[3], 1]);
    assert.equal((await a.verify()).checked, 3);
    await close();
  });

  test("expected version: an append whose key moved on is refused with STORE_CONFLICT and writes nothing", async () => {
    const { a, b, close } = await two();
    await a.append(started("j1"), { expected: { key: "job:j1", position: 0 } });
    await assert.rejects(b.append(started("j9", 9n), { expected: { key: "job:j1", position: 0 } }),
      (e: unknown) => isClawError(e) && e.code === "STORE_CONFLICT" && /position 0, but it is at 1/.test(e.message));
    await b.append([ev.jobCompleted({ jobId: "j1", streamId: 7n, meteredMs: 5n, cost: 1n, tokens: {} })], { expected: { key: "job:j1", position: 1 } });
    assert.equal(await a.lastPosition(), 2);
    await close();
  });

  test("one nonce space: 40 concurrent admits of one nonce through two instances admit exactly one", async () => {
    const { a, b, close } = await two();
    const results = await Promise.all(range(1, 40).map((i) => (i % 2 ? a : b).admitJob(accepted(7n, 5n, `job-${i}`))));
    assert.equal(results.filter((r) => r.admitted).length, 1);
    assert.equal(results.filter((r) => !r.admitted && r.reason === "duplicate-nonce").length, 39);
    assert.equal(await b.hasNonce(7n, 5n), true);
    assert.equal(await a.hasNonce(7n, 6n), false);
    await assert.rejects(a.admitJob({ ...accepted(7n, 6n), dedupe: "other" }), (e: unknown) => isClawError(e) && e.code === "STORE_INVALID_EVENT");
    await close();
  });

  test("one slot count per stream: capacity holds across instances, concurrently, and the nonce of a busy admit stays unused", async () => {
    const { a, b, close } = await two();
    const holder = "test";
    const got = await Promise.all(range(1, 12).map((i) => (i % 2 ? a : b).acquireSlot({ streamId: 7n, capacity: 3, holder, ttlMs: 60_000 })));
    const held = got.flatMap((r) => (r.ok ? [r.slot] : []));
    assert.equal(held.length, 3);
    assert.deepEqual(got.find((r) => !r.ok), { ok: false, inUse: 3, capacity: 3 });
    assert.equal(await b.slotsInUse(7n), 3);

    const busy = await a.admitJob(accepted(7n, 1n), { slot: { capacity: 3, holder, ttlMs: 60_000 } });
    assert.deepEqual(busy, { admitted: false, reason: "no-slot", inUse: 3, capacity: 3 });
    assert.equal(await b.hasNonce(7n, 1n), false, "a busy admit rolled its JobAccepted back");
    await b.releaseSlot(held[0]!.slotId);
    const ok = await a.admitJob(accepted(7n, 1n), { slot: { capacity: 3, holder, ttlMs: 60_000 } });
    assert.ok(ok.admitted && ok.slot && ok.event.position === 1);
    const again = await b.admitJob(accepted(7n, 1n), { slot: { capacity: 3, holder, ttlMs: 60_000 } });
    assert.deepEqual(again, { admitted: false, reason: "duplicate-nonce" });
    assert.equal(await a.slotsInUse(7n), 3, "a duplicate nonce took no slot");
    assert.equal(await a.slotsInUse(8n), 0, "streams count apart");
    await close();
  });

  test("admits and plain slot takes racing on one stream, from two instances, never exceed its capacity", async () => {
    const { a, b, close } = await two();
    const slot = { capacity: 12, holder: "race", ttlMs: 60_000 };
    const results = await Promise.all(range(1, 80).map((i) => {
      const s = i % 4 < 2 ? a : b;
      return i % 2 ? s.admitJob(accepted(7n, BigInt(i)), { slot }).then((r) => r.admitted)
        : s.acquireSlot({ ...slot, streamId: 7n }).then((r) => r.ok);
    }));
    assert.equal(results.filter(Boolean).length, 12);
    assert.equal(await a.slotsInUse(7n), 12);
    const admitted = results.filter((ok, i) => ok && (i + 1) % 2 === 1).length;
    assert.equal((await b.read({ types: ["JobAccepted"] })).length, admitted, "exactly the admitted jobs are in the log");
    await close();
  });

  test("slots expire (a crashed instance's slots return) and a held slot can be renewed", async () => {
    const { a, b, close } = await two();
    const held = await a.acquireSlot({ streamId: 7n, capacity: 1, holder: "crashed", ttlMs: 60_000 });
    assert.ok(held.ok);
    assert.equal((await b.acquireSlot({ streamId: 7n, capacity: 1, holder: "b", ttlMs: 60_000 })).ok, false);
    assert.equal(await a.renewSlot(held.slot.slotId, 60_000), true);
    // Renewing sets the expiry to now + ttl: 1 ms stands for an instance that stopped renewing.
    assert.equal(await a.renewSlot(held.slot.slotId, 1), true);
    await waitFor("the slot to expire", async () => (await b.slotsInUse(7n)) === 0);
    assert.equal(await a.renewSlot(held.slot.slotId, 60_000), false, "an expired slot is not revived");
    assert.equal((await b.acquireSlot({ streamId: 7n, capacity: 1, holder: "b", ttlMs: 60_000 })).ok, true);
    await close();
  });

  test("late commit: a reader never skips an event that commits after a later position did", async () => {
    const { log, a, b, close } = await two();
    await a.append([started("j1"), started("j2")]);
    const tail = (await a.read()).at(-1)!;
    const row = (position: number, prev: string) => {
      const f = { position, type: "JobStarted", v: 1, key: `job:raw${position}`, time: 5, dedupe: null, data: encodeEventData("JobStarted", started(`raw${position}`).data) };
      return { ...f, hash: chainHash(prev, f) };
    };
    const r3 = row(3, tail.hash);
    const r4 = row(4, r3.hash);
    const seen: number[] = [];
    const off = b.subscribe((e) => seen.push(e.position), { from: 2 });
    const w3 = await log.beginRawInsert(r3);
    if (h.concurrentWriters) {
      const w4 = await log.beginRawInsert(r4);
      await w4.commit(); // the later position commits first
    }
    assert.deepEqual(positions(await b.read({ from: 3 })), [], "nothing past the in-flight position 3 is readable");
    assert.equal(await b.lastPosition(), 2);
    await sleep(100);
    assert.deepEqual(seen, []);
    await w3.commit();
    if (!h.concurrentWriters) await (await log.beginRawInsert(r4)).commit();
    // Committed behind the stores' backs: readable once no older transaction is in flight on the server.
    await waitFor("the reader to see 3 and 4", async () => (await b.read({ from: 3 })).length >= 2);
    assert.deepEqual(positions(await b.read({ from: 3 })), [3, 4]);
    await waitFor("the subscriber to see 3 and 4", () => seen.length >= 2);
    assert.deepEqual(seen, [3, 4]);
    off();
    assert.deepEqual(await a.verify(), { ok: true, checked: 4, head: r4.hash });
    await close();
  });

  test("hash chain: verify walks it; an edit behind the store's back is found; plain SQL updates are refused", async () => {
    const { log, a, close } = await two();
    for (let i = 0; i < 5; i++) await a.append([started(`j${i}`), accepted(7n, BigInt(i))]);
    const v = await a.verify();
    assert.deepEqual([v.ok, v.checked, v.head], [true, 10, (await a.read()).at(-1)!.hash]);
    assert.match(await log.rawUpdate(), /append-only/);
    await log.tamper(4);
    const broken = await a.verify();
    assert.deepEqual([broken.ok, broken.firstBadPosition, broken.checked], [false, 4, 3]);
    await close();
  });

  test("leader election: one holder; release hands over; a killed holder's session loses it and another takes over", async () => {
    const { log, a, b, close } = await two();
    const la = await a.tryLead("settler");
    assert.ok(la?.held() && la);
    assert.equal(await b.tryLead("settler"), null);
    const other = await b.tryLead("watcher");
    assert.ok(other, "roles are independent");
    await la.release();
    assert.equal(la.held(), false);
    const lb = await b.tryLead("settler");
    assert.ok(lb);
    assert.equal(await a.tryLead("settler"), null);
    await log.killLeader(b, lb);
    await lb.lost;
    assert.equal(lb.held(), false);
    let la2: LeaderLease | null = null;
    await waitFor("a to take over", async () => (la2 = await a.tryLead("settler")) !== null);
    assert.ok(la2!.held());
    await la2!.release();
    await close();
  });

  test("concurrency: 2 instances x 60 concurrent appends (with shared repeats) give gap-free positions and one chain", async () => {
    const { a, b, close } = await two();
    const jobs = range(1, 60);
    const res = await Promise.all(jobs.flatMap((i) => [
      a.append([started(`a${i}`), started(`shared${i % 20}`)]),
      b.append([started(`b${i}`), started(`shared${i % 20}`)]),
    ]));
    const stored = res.flatMap((r) => positions(r.stored));
    const total = 120 + 20;
    assert.equal(stored.length, total);
    assert.equal(res.reduce((n, r) => n + r.duplicates, 0), 120 - 20);
    assert.deepEqual([...stored].sort((x, y) => x - y), range(1, total), "each position once, none missing");
    assert.deepEqual(await b.verify(), { ok: true, checked: total, head: (await a.read({ from: total })).at(0)!.hash });
    await close();
  });

  test("cursors move with an append and are seen by the other instance; subscribers get the other's events once, in order", async () => {
    const { a, b, close } = await two();
    const seen: number[] = [];
    const off = b.subscribe((e) => seen.push(e.position), { from: 0, types: ["JobStarted"] });
    await a.append([started("j1"), accepted(7n, 1n)], { cursor: { name: "watcher", value: "100" } });
    await a.append(started("j2"));
    assert.equal(await b.getCursor("watcher"), "100");
    await b.setCursor("watcher", "99");
    assert.equal(await a.getCursor("watcher"), "99");
    assert.equal(await a.getCursor("none"), undefined);
    await waitFor("b to see a's events", () => seen.length >= 2);
    await sleep(100);
    assert.deepEqual(seen, [1, 3]);
    off();
    await close();
  });
}
