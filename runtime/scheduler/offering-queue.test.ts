/**
 * The offering queue: concurrency cap, arrival order, QUEUE_FULL, a waiter that aborts leaves (its
 * place and its count), a running task is never raced with its signal, onIdle, and the wait estimate.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isClawError } from "../core/errors.ts";
import { createOfferingQueue } from "./offering-queue.ts";

/** A task that runs until `release()`, recording when it started. */
function held(log: string[], name: string) {
  let release!: (v: string) => void;
  const done = new Promise<string>((r) => (release = r));
  return { release: () => release(name), task: () => (log.push(name), done) };
}

test("at most `concurrency` tasks run; the others start in arrival order as slots free", async () => {
  const q = createOfferingQueue({ model: "m", concurrency: 2, maxQueue: 10 });
  const log: string[] = [];
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => held(log, n));
  const runs = [a!, b!, c!, d!].map((t) => q.run(t.task));
  assert.deepEqual(log, ["a", "b"], "a free slot starts its task in the caller's turn");
  assert.deepEqual([q.pending, q.size], [2, 2]);
  b!.release();
  await runs[1];
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ["a", "b", "c"]);
  a!.release();
  c!.release();
  d!.release();
  assert.deepEqual(await Promise.all(runs), ["a", "b", "c", "d"]);
  assert.deepEqual(log, ["a", "b", "c", "d"]);
  assert.deepEqual([q.pending, q.size], [0, 0]);
});

test("a full queue refuses at once with QUEUE_FULL; a task's failure reaches its caller and frees its slot", async () => {
  const q = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 1 });
  const log: string[] = [];
  const a = held(log, "a");
  const first = q.run(a.task);
  const second = q.run(async () => "b");
  await assert.rejects(q.run(async () => "c"), (e) => isClawError(e, "QUEUE_FULL") && /holds 1 jobs \(limit 1\)/.test(e.message));
  a.release();
  assert.equal(await first, "a");
  assert.equal(await second, "b");
  await assert.rejects(q.run(async () => { throw new Error("broke"); }), /broke/);
  await assert.rejects(q.run(() => { throw new Error("sync throw"); }), /sync throw/);
  assert.equal(await q.run(async () => "after"), "after", "the slot is free again");
  const none = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 0 });
  await assert.rejects(none.run(async () => 1), (e) => isClawError(e, "QUEUE_FULL"), "maxQueue 0 refuses every job");
});

test("a waiter whose signal aborts leaves with the signal's reason; the next waiter takes its place", async () => {
  const q = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 5 });
  const log: string[] = [];
  const a = held(log, "a");
  const first = q.run(a.task);
  const gone = new AbortController();
  const shutdown = new AbortController();
  const leaving = q.run(async () => (log.push("never"), "never"), [gone.signal, shutdown.signal]);
  const staying = q.run(async () => (log.push("c"), "c"), [new AbortController().signal, shutdown.signal]);
  assert.equal(q.size, 2);
  gone.abort(new Error("consumer left"));
  await assert.rejects(leaving, /consumer left/);
  assert.equal(q.size, 1, "the aborted waiter no longer counts");
  a.release();
  assert.deepEqual([await first, await staying], ["a", "c"]);
  assert.deepEqual(log, ["a", "c"], "the aborted task never ran");
  shutdown.abort(new Error("late")); // nothing listens any more: no effect
  await assert.rejects(q.run(async () => 1, gone.signal), /consumer left/, "an already aborted signal is refused at once");
});

test("a running task is not raced with its signal: its own result is the answer", async () => {
  const q = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 5 });
  const c = new AbortController();
  const log: string[] = [];
  const a = held(log, "a");
  const run = q.run(a.task, c.signal);
  c.abort(new Error("too late"));
  a.release();
  assert.equal(await run, "a");
});

test("a flood of waiters that abort behind a long task leaves nothing waiting; onIdle waits for running and waiting tasks", async () => {
  const q = createOfferingQueue({ model: "m", concurrency: 1, maxQueue: 1000 });
  const log: string[] = [];
  const a = held(log, "a");
  const first = q.run(a.task);
  for (let i = 0; i < 500; i++) {
    const c = new AbortController();
    const p = q.run(async () => "x", c.signal);
    c.abort(new Error("gone"));
    await assert.rejects(p, /gone/);
  }
  assert.equal(q.size, 0);
  const last = q.run(async () => "last");
  let idle = false;
  const idleP = q.onIdle().then(() => (idle = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(idle, false, "a task still runs");
  a.release();
  assert.deepEqual([await first, await last], ["a", "last"]);
  await idleP;
  await q.onIdle();
});

test("expectedWaitMs: waiting jobs times the mean job time, per slot", async () => {
  const q = createOfferingQueue({ model: "m", concurrency: 2, maxQueue: 10 });
  assert.equal(q.expectedWaitMs(), 0, "no job seen yet");
  await q.run(() => new Promise((r) => setTimeout(r, 30)));
  const log: string[] = [];
  const tasks = ["a", "b", "c", "d"].map((n) => held(log, n));
  const runs = tasks.map((t) => q.run(t.task));
  const wait = q.expectedWaitMs();
  // 2 waiting + 1 (the slots are full) = 3 jobs ahead on 2 slots, each ~30 ms or more.
  assert.ok(wait >= 30, `expected wait ${wait} ms`);
  for (const t of tasks) t.release();
  await Promise.all(runs);
});
