import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as ev from "./events.ts";
import { evolveProjections, initialProjections } from "./projections/index.ts";
import { emptyCreditLog, evolveCredits, reconcile, type ChainProvider, type ChainStream } from "./reconcile.ts";
import { asStored } from "./testing/as-stored.ts";
import { chainRef, PROVIDER_WALLET, sampleEvents, SENDER } from "./testing/sample-events.ts";

const DEPOSIT = 10n ** 18n;
const fold = (events: ev.NewEvent[]) => asStored(events).reduce(evolveProjections, initialProjections());
const settledOnChain = (over: Partial<ChainStream> = {}): ChainStream => ({
  streamId: 7n, sender: SENDER, recipient: `0x${PROVIDER_WALLET.slice(2).toUpperCase()}`, deposit: DEPOSIT, withdrawn: 1750n,
  providerId: 1n, status: "settled", ...over,
});
const registry = (over: Partial<ChainProvider> = {}): ChainProvider => ({ providerId: 1n, wallet: PROVIDER_WALLET, completedJobs: 1n, totalEarned: 1750n, ...over });
const check = (events: ev.NewEvent[], stream: ChainStream | undefined, provider: ChainProvider | null = registry()) =>
  reconcile(fold(events), { streams: new Map(stream ? [[stream.streamId, stream]] : []), providers: new Map([[1n, provider]]) });

describe("reconcile", () => {
  test("a settled stream that matches the chain to the wei has no difference (addresses compared case-blind)", () => {
    const r = check(sampleEvents(7n), settledOnChain());
    assert.equal(r.differences, 0, JSON.stringify(r.streams[0]?.differences));
    assert.deepEqual(r.totals, { metered: 1750n, settled: 1750n, paidLog: 1750n });
    assert.equal(r.streams[0]!.chainStatus, "settled");
  });

  test("metered more than settled is a difference that says how much was left unpaid", () => {
    const extra = ev.jobCompleted({ jobId: "late", streamId: 7n, meteredMs: 100n, cost: 100n, tokens: {} });
    const r = check([...sampleEvents(7n), extra], settledOnChain());
    assert.equal(r.differences, 1);
    assert.match(r.streams[0]!.differences[0]!, /settled 1750 but metered 1850 .*left 100 wei unpaid/);
  });

  test("a payout on chain that the log lacks is a difference", () => {
    const r = check(sampleEvents(7n), settledOnChain({ withdrawn: 1800n }));
    assert.ok(r.streams[0]!.differences.some((d) => /paid to the recipient: log 1750, chain 1800 \(50 not in the log\)/.test(d)));
  });

  test("a stream missing on chain, or with another deposit, sender or status, is a difference", () => {
    assert.match(check(sampleEvents(7n), undefined).streams[0]!.differences[0]!, /does not exist on chain/);
    assert.match(check(sampleEvents(7n), settledOnChain({ status: "none" })).streams[0]!.differences[0]!, /does not exist/);
    const d = check(sampleEvents(7n), settledOnChain({ deposit: 5n, sender: "0xdead", status: "cancelled" })).streams[0]!.differences;
    assert.ok(d.some((x) => /deposit: log 1000000000000000000, chain 5/.test(x)));
    assert.ok(d.some((x) => /sender/.test(x)));
    assert.ok(d.some((x) => /status: log settled, chain cancelled/.test(x)));
  });

  test("the registry's completions must match the log's settled streams", () => {
    const r = check(sampleEvents(7n), settledOnChain(), registry({ completedJobs: 2n, totalEarned: 3000n }));
    const d = r.providers[0]!.differences;
    assert.ok(d.some((x) => /completedJobs 2, settled streams in the log 1/.test(x)));
    assert.ok(d.some((x) => /totalEarned 3000, settled in the log 1750/.test(x)));
    assert.ok(d.some((x) => /last CompletionRecorded/.test(x)));
    assert.match(check(sampleEvents(7n), settledOnChain(), null).providers[0]!.differences[0]!, /not exist in the registry/);
  });

  test("an open stream with metered work is a note, not a difference; so is a cancelled one paid by time", () => {
    const opened = sampleEvents(7n).slice(0, 8);
    const r = check(opened, settledOnChain({ status: "active", withdrawn: 0n, streamedNow: 100n }), registry({ completedJobs: 0n, totalEarned: 0n }));
    assert.equal(r.differences, 0);
    assert.deepEqual(r.streams[0]!.notes, ["1750 wei metered, not settled yet",
      "metered 1750 exceeds what has streamed so far (100); a settle now would be refused"]);
    const cancelled = [...opened, ev.streamCancelled({ streamId: 7n, by: SENDER, recipientAmount: 900n, senderRefund: DEPOSIT - 900n, chain: chainRef(77) })];
    const c = check(cancelled, settledOnChain({ status: "cancelled", withdrawn: 900n }), registry({ completedJobs: 0n, totalEarned: 0n }));
    assert.equal(c.differences, 0);
    assert.match(c.streams[0]!.notes[0]!, /cancelled: paid by time \(900\) instead of metered \(1750\)/);
  });

  test("money must be conserved in the log for a closed stream", () => {
    const [, , opened] = sampleEvents(7n);
    const bad = [opened!, ev.streamCancelled({ streamId: 7n, by: SENDER, recipientAmount: 900n, senderRefund: 5n, chain: chainRef(78) })];
    const r = check(bad, settledOnChain({ status: "cancelled", withdrawn: 900n }), registry({ completedJobs: 0n, totalEarned: 0n }));
    assert.ok(r.streams[0]!.differences.some((d) => /paid 900 \+ refunded 5 \+ keeper fees 0 != deposit/.test(d)));
  });

  test("jobs without the StreamOpened are flagged; streams seen only in refused requests are skipped", () => {
    const jobsOnly = sampleEvents(7n).slice(3, 6);
    const r = check(jobsOnly, settledOnChain({ status: "active", withdrawn: 0n }), registry({ completedJobs: 0n, totalEarned: 0n }));
    assert.match(r.streams[0]!.differences[0]!, /no StreamOpened/);
    const refusedOnly = check([ev.jobRejected({ code: "STREAM_NOT_FOUND", status: 402, streamId: 999n, reason: "no such stream" })], undefined);
    assert.deepEqual([refusedOnly.streams.length, refusedOnly.skipped], [0, [999n]]);
  });
  test("a stream settled for 0 is a refund, not a job: the registry counting none is no difference", () => {
    const opened = ev.streamOpened({ streamId: 9n, sender: SENDER, recipient: PROVIDER_WALLET, providerId: 1n, deposit: DEPOSIT, startTime: 0n,
      duration: 600n, serviceType: 0, chain: chainRef(40) });
    const refunded = ev.streamSettled({ streamId: 9n, earned: 0n, paidNow: 0n, refund: DEPOSIT, chain: chainRef(41) });
    const r = check([opened, refunded], settledOnChain({ streamId: 9n, withdrawn: 0n }), registry({ completedJobs: 0n, totalEarned: 0n }));
    assert.equal(r.differences, 0, JSON.stringify(r.providers[0]?.differences));
    assert.equal(r.providers[0]!.settledStreams, 0);
  });

  test("rule 8: deferred - claimed in the log must equal claimable on chain; received is credited less that", () => {
    const deferred = ev.paymentDeferred({ streamId: 7n, to: PROVIDER_WALLET, amount: 50n, chain: chainRef(50) });
    const claimed = ev.paymentClaimed({ account: PROVIDER_WALLET, to: PROVIDER_WALLET, amount: 20n, chain: chainRef(51) });
    const p = fold([...sampleEvents(7n), deferred, claimed]);
    const credits = (claimable: bigint) => reconcile(p, { streams: new Map([[7n, settledOnChain()]]), providers: new Map([[1n, registry()]]) }, {
      log: asStored([deferred, claimed]).reduce(evolveCredits, emptyCreditLog()), claimable: new Map([[PROVIDER_WALLET.toLowerCase(), claimable]]),
    });
    const good = credits(30n);
    assert.equal(good.differences, 0);
    assert.deepEqual([good.credits[0]!.credited, good.credits[0]!.deferred, good.credits[0]!.claimed, good.credits[0]!.received], [1750n, 50n, 20n, 1720n]);
    const bad = credits(0n);
    assert.equal(bad.differences, 1);
    assert.match(bad.credits[0]!.differences[0]!, /deferred 50 − claimed 20 = 30, but StreamPay.claimable is 0/);
  });
});
