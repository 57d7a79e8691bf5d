import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createTestClient, http } from "viem";
import type { OnChainStream } from "../core/stream.ts";
import { cancelStream } from "./actions/cancel-stream.ts";
import { createStream } from "./actions/create-stream.ts";
import { startTestChain, type TestChain } from "./actions/testing.ts";
import type { ChainRead } from "./read-observer.ts";
import { createStreamCache } from "./stream-cache.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

/** A cache with its reads counted, and a way to wait until it has polled the chain head. */
function counted() {
  const reads: ChainRead[] = [];
  const stopped: OnChainStream[] = [];
  let headPolled: (() => void) | undefined;
  const cache = createStreamCache(t.read, t.contracts.streamPay, {
    headPollMs: 0,
    onStopped: (s) => stopped.push(s),
    onRead: (r) => {
      reads.push(r);
      if (r.op === "stream_head") headPolled?.();
    },
  });
  // Resolved a turn after the poll reports, once the cache has taken the new head in.
  const nextHead = () => new Promise<void>((r) => (headPolled = () => setImmediate(r)));
  const streamReads = () => reads.filter((r) => r.op === "stream").length;
  return { cache, stopped, nextHead, streamReads };
}

/** Opens a stream and has the cache read it at a known head (a second read once the head is polled). */
async function warm(c: ReturnType<typeof counted>): Promise<bigint> {
  const id = await open();
  const polled = c.nextHead();
  await c.cache.get(id);
  await polled;
  await c.cache.get(id);
  return id;
}

const open = async () =>
  (await createStream(t.wallet(1), { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 600n, serviceType: 0, providerId: 0n, deposit: 6_000n })).stream.streamId;

test("a stream never created is null; an active one is read once per chain head", async () => {
  const c = counted();
  assert.equal(await c.cache.get(10_000n), null);
  const id = await open();
  const polled = c.nextHead();
  assert.equal((await c.cache.get(id))?.status, "active");
  await polled;
  const before = c.streamReads();
  await c.cache.get(id); // read before the head was known: read again at it
  const settled = c.streamReads();
  assert.equal(settled, before + 1);
  await c.cache.get(id);
  await c.cache.get(id);
  assert.equal(c.streamReads(), settled, "same head: served from the cache");
});

test("a cancel in a new block is seen by the next get after the head moves; onStopped fires once", async () => {
  const c = counted();
  const id = await warm(c);
  await cancelStream(t.wallet(1), { streamPay: t.contracts.streamPay, streamId: id });
  // A head poll already in flight may predate the cancel's block: a few polls at most.
  let seen = (await c.cache.get(id))?.status;
  for (let i = 0; i < 5 && seen === "active"; i++) {
    const moved = c.nextHead();
    await c.cache.get(id);
    await moved;
    seen = (await c.cache.get(id))?.status;
  }
  assert.equal(seen, "cancelled");
  assert.equal((await c.cache.get(id))?.status, "cancelled", "ended is final: no re-read");
  assert.deepEqual(c.stopped.map((s) => [s.streamId, s.status]), [[id, "cancelled"]]);
});

test("the watcher's newer status is not overwritten by an older read", async () => {
  const c = counted();
  const id = await warm(c);
  c.cache.setStatus(id, "settled"); // the watcher saw StreamSettled (not yet on this node's head)
  assert.equal((await c.cache.get(id))?.status, "settled");
});

test("an unconfirmed cancel that a reorg drops reopens the stream; a confirmed end is never undone", async () => {
  const c = counted();
  const id = await warm(c);
  const chain = createTestClient({ mode: "anvil", transport: http(t.anvil.rpcUrl) });
  const before = await chain.snapshot();
  // Cancelled by the recipient: its wallet sends nothing else here, so the nonce the revert rewinds
  // does not strand a later test's transaction.
  await cancelStream(t.wallet(2), { streamPay: t.contracts.streamPay, streamId: id });
  c.cache.setStatus(id, "cancelled", { confirmed: false }); // the watcher's stop, not yet deep enough
  assert.equal((await c.cache.get(id))?.status, "cancelled", "refused at once");
  // The reorg: the block with the cancel is gone, and the chain grows past it.
  await chain.revert({ id: before });
  await chain.mine({ blocks: 3 });
  let seen = (await c.cache.get(id))?.status;
  for (let i = 0; i < 5 && seen !== "active"; i++) {
    const moved = c.nextHead();
    await c.cache.get(id);
    await moved;
    seen = (await c.cache.get(id))?.status;
  }
  assert.equal(seen, "active", "served again once the head moved past the dropped cancel");

  c.cache.setStatus(id, "settled"); // confirmed by the watcher: final
  await chain.mine({ blocks: 2 });
  const moved = c.nextHead();
  await c.cache.get(id);
  await moved;
  assert.equal((await c.cache.get(id))?.status, "settled", "a confirmed end is not re-read into active");
});

test("a stream in use is re-read in the background when the head moves: no get waits for the chain, and the re-read's news is served next", async () => {
  // Stream reads are held until released, so "did the get wait for the chain" is observable.
  let hold: Promise<void> | undefined;
  let release: () => void = () => undefined;
  const held = new Proxy(t.read, {
    get(target, prop, receiver) {
      if (prop !== "readContract") return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<typeof target.readContract>) => {
        if (hold) await hold;
        return target.readContract(...args);
      };
    },
  });
  const reads: ChainRead[] = [];
  let headPolled: (() => void) | undefined;
  const cache = createStreamCache(held, t.contracts.streamPay, {
    headPollMs: 0,
    onRead: (r) => {
      reads.push(r);
      if (r.op === "stream_head") headPolled?.();
    },
  });
  const nextHead = () => new Promise<void>((r) => (headPolled = () => setImmediate(r)));
  const id = await open();
  let polled = nextHead();
  await cache.get(id);
  await polled;
  await cache.get(id); // read at the known head: the stream is in the hot set from here on
  const streamReads = () => reads.filter((r) => r.op === "stream").length;

  hold = new Promise<void>((r) => (release = r));
  await cancelStream(t.wallet(1), { streamPay: t.contracts.streamPay, streamId: id });
  const before = streamReads();
  polled = nextHead();
  await cache.get(id); // starts the head poll that sees the cancel's block
  await polled;
  // The re-read at the new head is in flight and held: gets are answered from the cache meanwhile.
  const during = await Promise.race([cache.get(id), new Promise<"waited">((r) => setTimeout(() => r("waited"), 500))]);
  assert.notEqual(during, "waited", "a get on a stream in use waited for the chain");
  assert.equal((during as OnChainStream).status, "active", "served as last read while the re-read is in flight");
  release();
  hold = undefined;
  for (let i = 0; i < 50 && streamReads() === before; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(streamReads(), before + 1, "one background re-read for the new head");
  assert.equal((await cache.get(id))?.status, "cancelled", "the re-read's news is served from the next get on");
});

test("while the node cannot be reached a known stream is served as last read; an unknown one is CHAIN_UNAVAILABLE", async () => {
  const c = counted();
  const id = await warm(c);
  await t.stop();
  assert.equal((await c.cache.get(id))?.status, "active");
  await assert.rejects(c.cache.get(id + 1n), (e: Error & { code?: string }) => e.code === "CHAIN_UNAVAILABLE");
});
