import assert from "node:assert/strict";
import { test } from "node:test";
import { linkSignals } from "./link-signals.ts";

test("aborts with the reason of whichever input aborts first", () => {
  const a = new AbortController();
  const b = new AbortController();
  const linked = linkSignals([a.signal, b.signal]);
  assert.equal(linked.signal.aborted, false);
  b.abort("second");
  assert.equal(linked.signal.aborted, true);
  assert.equal(linked.signal.reason, "second");
  a.abort("first");
  assert.equal(linked.signal.reason, "second");
});

test("is aborted at once when an input already is", () => {
  const a = new AbortController();
  a.abort("early");
  const linked = linkSignals([new AbortController().signal, a.signal]);
  assert.equal(linked.signal.reason, "early");
});

test("dispose unhooks it from a long-lived input: nothing accumulates there", () => {
  const longLived = new AbortController();
  let listeners = 0;
  const add = longLived.signal.addEventListener.bind(longLived.signal);
  const remove = longLived.signal.removeEventListener.bind(longLived.signal);
  longLived.signal.addEventListener = ((...args: Parameters<typeof add>) => (listeners++, add(...args))) as typeof add;
  longLived.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (listeners--, remove(...args))) as typeof remove;
  for (let i = 0; i < 1000; i++) {
    const job = new AbortController();
    const linked = linkSignals([job.signal, longLived.signal]);
    linked.dispose();
  }
  assert.equal(listeners, 0);
  const linked = linkSignals([longLived.signal]);
  longLived.abort("shutdown");
  assert.equal(linked.signal.reason, "shutdown", "still aborts while linked");
});
