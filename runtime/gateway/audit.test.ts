import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { auditGateway, auditStream, chainTakeOf, type ChainTake, type LogView } from "./audit.ts";

const recipient = "0x00000000000000000000000000000000000000aa";
const tx = `0x${"1".repeat(64)}` as const;

/** A log view of one stream with `jobs` (nonce -> counted cost) and receipts for `receipted` nonces. */
function view(streamId: bigint, providerId: bigint, jobs: Array<[bigint, bigint]>, receipts: Array<{ nonce: bigint; cost: bigint; cumulative: bigint }>): LogView {
  const v: LogView = { requests: new Map(), receipts: new Map(), receipted: new Map() };
  v.requests.set(streamId, { streamId, providerId, recipient, openBlock: 1n, jobs: new Map(jobs.map(([nonce, counted]) => [`j${nonce}`, { nonce, counted }])) });
  if (receipts.length) {
    v.receipts.set(streamId, {
      streamId, providerId, receipts: receipts.length, signedCost: receipts.reduce((t, r) => t + r.cost, 0n),
      lastCumulativeCost: receipts.reduce((m, r) => (r.cumulative > m ? r.cumulative : m), 0n),
    });
    v.receipted.set(streamId, new Set(receipts.map((r) => r.nonce)));
  }
  return v;
}
const settled = (taken: bigint): ChainTake => ({ state: "settled", by: "provider", taken, txHash: tx });

describe("gateway audit rule", () => {
  test("settled for what was signed: ok; one wei more: overcharged and named", () => {
    const v = view(7n, 3n, [[1n, 100n], [2n, 50n]], [{ nonce: 1n, cost: 100n, cumulative: 100n }, { nonce: 2n, cost: 50n, cumulative: 150n }]);
    const ok = auditGateway(v, new Map([[7n, settled(150n)]]));
    assert.equal(ok.ok, true);
    assert.equal(ok.streams[0]!.verdict, "ok");
    const over = auditGateway(v, new Map([[7n, settled(151n)]]));
    assert.equal(over.ok, false);
    assert.deepEqual(over.overcharging, [3n]);
    assert.equal(over.streams[0]!.excess, 1n);
    assert.equal(over.providers[0]!.overchargedBy, 1n);
  });

  test("the signed cumulative total covers jobs whose receipt never arrived", () => {
    // Receipt of nonce 2 says the stream's total is 180 (nonce 1's receipt was lost).
    const v = view(7n, 3n, [[1n, 30n], [2n, 150n]], [{ nonce: 2n, cost: 150n, cumulative: 180n }]);
    assert.equal(auditGateway(v, new Map([[7n, settled(180n)]])).streams[0]!.verdict, "ok");
  });

  test("an excess within what requests without a receipt were counted at is unproven, not named; beyond it, named", () => {
    const v = view(7n, 3n, [[1n, 100n], [2n, 40n]], [{ nonce: 1n, cost: 100n, cumulative: 100n }]);
    const within = auditGateway(v, new Map([[7n, settled(140n)]]));
    assert.equal(within.streams[0]!.verdict, "unproven");
    assert.equal(within.ok, true);
    assert.equal(auditGateway(v, new Map([[7n, settled(141n)]])).streams[0]!.verdict, "overcharged");
  });

  test("a close the provider did not make (our cancel, a keeper) pays by time: reported, not named", () => {
    const v = view(7n, 3n, [[1n, 10n]], [{ nonce: 1n, cost: 10n, cumulative: 10n }]);
    const ours = chainTakeOf({ closed: { kind: "cancelled", txHash: tx, blockNumber: 5n, by: "0x00000000000000000000000000000000000000bb", recipientAmount: 500n, senderRefund: 1n } }, recipient, 0n);
    assert.equal(ours.state === "cancelled" && ours.by, "consumer");
    const r = auditGateway(v, new Map([[7n, ours]]));
    assert.equal(r.streams[0]!.verdict, "paid-by-time");
    assert.equal(r.ok, true);
    const theirs = chainTakeOf({ closed: { kind: "cancelled", txHash: tx, blockNumber: 5n, by: recipient.toUpperCase().replace("0X", "0x") as `0x${string}`, recipientAmount: 500n, senderRefund: 1n } }, recipient, 0n);
    assert.equal(auditGateway(v, new Map([[7n, theirs]])).streams[0]!.verdict, "overcharged");
  });

  test("an open stream: what the provider withdrew counts", () => {
    const open = chainTakeOf({}, recipient, 11n);
    assert.deepEqual(open, { state: "open", withdrawn: 11n });
    const s = auditStream(view(7n, 3n, [[1n, 10n]], [{ nonce: 1n, cost: 10n, cumulative: 10n }]).requests.get(7n)!, { streamId: 7n, providerId: 3n, receipts: 1, signedCost: 10n, lastCumulativeCost: 10n }, new Set([1n]), open);
    assert.equal(s.verdict, "overcharged");
    assert.equal(s.excess, 1n);
  });
});

test("a close receipt maps to who took what: the provider's settle or cancel, our cancel, a keeper", async () => {
  const { chainTakeOfReceipt } = await import("./audit.ts");
  const r = (closedBy: string) => chainTakeOfReceipt({ closedBy, paid: 9n, txHashes: { close: tx } });
  assert.deepEqual(r("provider-settle"), { state: "settled", by: "provider", taken: 9n, txHash: tx });
  assert.equal((r("provider-cancel") as { by: string }).by, "provider");
  assert.equal((r("consumer-cancel") as { by: string }).by, "consumer");
  assert.equal((r("keeper") as { by: string }).by, "keeper");
});
