/**
 * Chain read latency and errors (issue 13): the guard's stream reads (the stream cache and its head
 * polls) and the chain watcher's reads are timed into claw_chain_read_seconds{op,outcome} through the
 * `onRead` hook the runtime wires in (runtime/chain stays free of prom-client). Real anvil, real
 * runtime, GET /metrics on loopback; the node is then stopped and the errors must be counted.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { timedRead, type ChainRead } from "../runtime/chain/read-observer.ts";
import { eventually, startMarket, type Market } from "./support/market.ts";

describe("timedRead", () => {
  test("passes the result and the error through and reports each read's outcome", async () => {
    const seen: ChainRead[] = [];
    assert.equal(await timedRead("a", (r) => seen.push(r), async () => 7), 7);
    const boom = new Error("node down");
    await assert.rejects(timedRead("b", (r) => seen.push(r), async () => Promise.reject(boom)), (e) => e === boom);
    assert.deepEqual(seen.map((r) => [r.op, r.ok]), [["a", true], ["b", false]]);
    assert.ok(seen.every((r) => Number.isFinite(r.seconds) && r.seconds >= 0));
  });

  test("an observer that throws does not turn a good read into a failed one", async () => {
    const throwing = () => {
      throw new Error("observer bug");
    };
    assert.equal(await timedRead("a", throwing, async () => "ok"), "ok");
    const boom = new Error("node down");
    await assert.rejects(timedRead("a", throwing, async () => Promise.reject(boom)), (e) => e === boom);
  });
});

describe("claw_chain_read_seconds covers the guard and the watcher", () => {
  let m: Market;
  before(async () => {
    m = await startMarket();
  });
  after(async () => m?.close());

  async function count(op: string, outcome: "ok" | "error"): Promise<number> {
    const url = m.provider.app.metricsUrl();
    assert.ok(url, "the metrics listener is up");
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith("claw_chain_read_seconds_count{") && l.includes(`op="${op}"`) && l.includes(`outcome="${outcome}"`));
    return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
  }

  test("a paid request and a watcher poll are timed; reads against a stopped node are counted as errors", async () => {
    const providerId = m.provider.offerings[0]!.providerId;
    const { streamId } = await m.openStream(m.account(3), { deposit: 1_000_000n * 600n, duration: 600n, providerId });
    const streamReads = await count("stream", "ok");
    const r = await m.post("/v1/inference", { prompt: "hi" }, m.directSigner(m.account(3), streamId));
    assert.equal(r.status, 200, await r.text());
    // The guard read the new stream from the chain (it was not cached), and that read was timed.
    assert.ok((await count("stream", "ok")) > streamReads, "the guard's getStream is counted");
    assert.ok((await count("stream_head", "ok")) >= 1, "the stream cache's head poll is counted");
    // The watcher polls every 100 ms: it sees the StreamCreated block through timed reads.
    const heads = await count("watcher_head", "ok");
    await eventually(async () => ((await count("watcher_head", "ok")) > heads ? true : undefined), 10_000, "a watcher poll");
    assert.ok((await count("watcher_logs", "ok")) >= 1, "the watcher's getLogs is counted");
    assert.equal(await count("stream", "error"), 0);
    assert.equal(await count("watcher_head", "error"), 0);

    await m.anvil.stop();
    // A stream the runtime never saw must be read from the stopped node: 503, and an error is counted.
    const unknown = m.directSigner(m.account(3), streamId + 1_000n);
    const refused = await m.post("/v1/inference", { prompt: "hi" }, unknown);
    assert.equal(refused.status, 503, await refused.text());
    assert.ok((await count("stream", "error")) >= 1, "the failed getStream is counted as an error");
    await eventually(async () => ((await count("watcher_head", "error")) >= 1 ? true : undefined), 15_000, "a failed watcher poll counted");
  });
});
