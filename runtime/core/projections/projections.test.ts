import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as ev from "../events.ts";
import { asStored } from "../testing/as-stored.ts";
import { prng } from "../testing/prng.ts";
import { chainRef, KEEPER, otherChainEvents, sampleEvents, SENDER } from "../testing/sample-events.ts";
import { emptyStream, evolveProjections, evolveStream, initialProjections, utcDay } from "./index.ts";

const fold = (events: ReturnType<typeof asStored>) => events.reduce(evolveProjections, initialProjections());
const DEPOSIT = 10n ** 18n;

describe("stream projection", () => {
  test("a settled stream: deposit, rate, metered, settled, refunded, paid", () => {
    const p = fold(asStored(sampleEvents(7n)));
    const s = p.streams.get(7n)!;
    assert.equal(s.status, "settled");
    assert.equal(s.deposit, DEPOSIT);
    assert.equal(s.ratePerSecond, DEPOSIT / 3600n);
    assert.deepEqual([s.jobs, s.jobsCompleted, s.jobsFailed], [2, 1, 1]);
    assert.equal(s.meteredMs, 1750n);
    assert.equal(s.metered, 1750n);
    assert.equal(s.settlementSubmitted, 1750n);
    assert.equal(s.settled, 1750n);
    assert.equal(s.paidToRecipient, 1750n);
    assert.equal(s.refunded, DEPOSIT - 1750n);
    assert.equal(s.rejections, 1);
    assert.equal(s.sender, SENDER);
    assert.deepEqual(s.closed, chainRef(7000 + 100 + 4));
  });

  test("cancel, withdrawals and keeper batches move money out; a drained stream is depleted", () => {
    const open = ev.streamOpened({ streamId: 8n, sender: SENDER, recipient: KEEPER, providerId: 1n, deposit: 100n, startTime: 0n,
      duration: 10n, serviceType: 0, chain: chainRef(1) });
    const cancelled = fold(asStored([open, ...otherChainEvents(8n)])).streams.get(8n)!;
    assert.equal(cancelled.status, "cancelled");
    assert.equal(cancelled.withdrawn, 5n);
    assert.equal(cancelled.paidToRecipient, 5n + 90n + 9n);
    assert.equal(cancelled.refunded, 11n);
    assert.equal(cancelled.keeperFees, 1n);
    const drained = fold(asStored([open,
      ev.streamBatchUpdated({ streamId: 8n, keeper: KEEPER, recipientAmount: 60n, senderRefund: 39n, keeperFee: 1n, chain: chainRef(2) })]));
    assert.equal(drained.streams.get(8n)!.status, "depleted");
    const partly = fold(asStored([open, ev.streamWithdrawn({ streamId: 8n, amount: 40n, chain: chainRef(3) })]));
    assert.equal(partly.streams.get(8n)!.status, "active");
  });

  test("jobs before the stream's opening are kept; the stream is none until opened", () => {
    const [, , opened, ...rest] = sampleEvents(7n);
    const p = fold(asStored([...rest.slice(0, 3)]));
    assert.equal(p.streams.get(7n)!.status, "none");
    assert.equal(p.streams.get(7n)!.metered, 1500n);
    const later = evolveProjections(p, asStored([opened!])[0]!);
    assert.equal(later.streams.get(7n)!.status, "active");
    assert.equal(later.streams.get(7n)!.metered, 1500n);
  });

  test("evolveStream is pure: its input is never changed", () => {
    const events = asStored(sampleEvents(7n));
    let view = Object.freeze(emptyStream(7n));
    for (const e of events) {
      const before = structuredClone(view);
      const next = evolveStream(view, e);
      assert.deepEqual(view, before);
      view = Object.freeze(next);
    }
    assert.equal(view.status, "settled");
  });
});

describe("jobs, providers, rejections", () => {
  test("jobs move accepted -> running -> completed | failed with their cost", () => {
    const p = fold(asStored(sampleEvents(7n)));
    const [a, b] = [...p.jobs.values()];
    assert.deepEqual([a!.status, a!.queuedMs, a!.meteredMs, a!.cost, a!.tokens], ["completed", 3, 1500n, 1500n, { prompt: 5, completion: 7 }]);
    assert.deepEqual([b!.status, b!.error?.code, b!.cost, b!.startedAt], ["failed", "BACKEND_UPSTREAM", 250n, null]);
    assert.equal(a!.offering, "echo-1");
  });
  test("providers and rejections are counted", () => {
    const p = fold(asStored(sampleEvents(7n)));
    const pr = p.providers.get(1n)!;
    assert.deepEqual([pr.model, pr.active, pr.completions, pr.completionEarned, pr.totalEarned], ["echo-1", true, 1, 1750n, 1750n]);
    assert.deepEqual([...p.rejections], [["NONCE_REPLAYED", 1], ["SIGNATURE_MISSING", 1]]);
    assert.equal(p.position, 15);
  });
});

describe("earnings", () => {
  test("per offering and per UTC day, split at midnight UTC", () => {
    const mk = (jobId: string, offering: string, cost: bigint, time: number) => [
      ev.jobAccepted({ jobId, streamId: 1n, offering, providerId: 1n, nonce: BigInt(time), bodyHash: "0x", signer: "0x",
        pricePerSecond: 1000n, task: "chat" }, { time }),
      ev.jobCompleted({ jobId, streamId: 1n, meteredMs: cost, cost, tokens: {} }, { time }),
    ];
    const midnight = Date.UTC(2026, 10, 24);
    const p = fold(asStored([...mk("a", "m1", 10n, midnight - 1), ...mk("b", "m1", 20n, midnight), ...mk("c", "m2", 5n, midnight + 5)]));
    assert.deepEqual([...p.earnings.byDay.keys()], ["2026-11-23", "2026-11-24"]);
    assert.equal(p.earnings.byDay.get("2026-11-23")!.earned, 10n);
    assert.equal(p.earnings.byDay.get("2026-11-24")!.earned, 25n);
    assert.equal(p.earnings.byOffering.get("m1")!.earned, 30n);
    assert.equal(p.earnings.byOffering.get("m2")!.jobs, 1);
    assert.equal(p.earnings.openJobs.size, 0);
    assert.equal(utcDay(midnight - 1), "2026-11-23");
  });

  test("property: every wei metered appears once per stream, per offering, per day and in the total", () => {
    const rnd = prng(3);
    for (let round = 0; round < 50; round++) {
      const events: ev.NewEvent[] = [];
      let expected = 0n;
      for (let i = 0; i < 40; i++) {
        const jobId = `r${round}-${i}`;
        const streamId = BigInt(rnd.int(5));
        const cost = rnd.bigint(10n ** 15n);
        const time = Date.UTC(2026, 0, 1) + rnd.int(5 * 86_400_000);
        expected += cost;
        events.push(ev.jobAccepted({ jobId, streamId, offering: rnd.pick(["a", "b", "c"]), providerId: 1n, nonce: BigInt(i),
          bodyHash: "0x", signer: "0x", pricePerSecond: 1n, task: "chat" }, { time }));
        const end = rnd.int(2) === 0
          ? ev.jobCompleted({ jobId, streamId, meteredMs: cost, cost, tokens: {} }, { time })
          : ev.jobFailed({ jobId, streamId, code: "X", message: "", meteredMs: cost, cost }, { time });
        events.push(end);
      }
      const p = fold(asStored(events));
      const sum = (xs: Iterable<{ earned?: bigint; metered?: bigint }>, f: "earned" | "metered") => {
        let t = 0n;
        for (const x of xs) t += x[f] ?? 0n;
        return t;
      };
      assert.equal(p.earnings.total.earned, expected);
      assert.equal(sum(p.streams.values(), "metered"), expected);
      assert.equal(sum(p.earnings.byOffering.values(), "earned"), expected);
      assert.equal(sum(p.earnings.byDay.values(), "earned"), expected);
      assert.equal(p.earnings.total.jobs, 40);
    }
  });
});
