/**
 * The gateway never forgets a stream it opened (real anvil, real SQLite gateway log, a real SIGKILL):
 *  - killed after the opening was broadcast, before StreamOpened: the restart's recovery finds the
 *    stream from the logged StreamOpening, logs it, cancels it (nothing was served: not waited on) —
 *    the consumer's balance is exact in wei, the log ends consistent, a second recovery does nothing;
 *  - killed after StreamOpening, before the broadcast: nothing is on chain; recovery keeps the opening
 *    pending (its deposit still counted) while its nonce is free, and marks it dropped (released) once
 *    another transaction moved the account's nonce past it.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hash, Hex } from "viem";
import { registerProvider } from "../runtime/chain/actions/register-provider.ts";
import { startTestChain, type TestChain } from "../runtime/chain/actions/testing.ts";
import { connectChain, type ClientChain } from "../runtime/client/chain.ts";
import { committedSince } from "../runtime/client/chain-spend.ts";
import { getStreamHistory } from "../runtime/chain/actions/get-stream-history.ts";
import { auditGateway, chainTakeOf, chainTakeOfReceipt, emptyLogView, foldLogView, streamVerdict } from "../runtime/gateway/audit.ts";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import * as ev from "../runtime/core/events.ts";
import { openGatewayLog } from "../runtime/gateway/log.ts";
import { recoverStreams } from "../runtime/gateway/recover.ts";
import { statusOf } from "../runtime/gateway/start.ts";
import { runOpenAndDie } from "./support/run-open-and-die.ts";

const DEPOSIT = 600_000n;
let t: TestChain;
let providerId: bigint;
const dir = mkdtempSync(join(tmpdir(), "claw-gw-opening-"));

before(async () => {
  t = await startTestChain();
  // A provider whose endpoint nobody answers: the recovery cannot ask it to settle, so it cancels.
  ({ providerId } = await registerProvider(t.wallet(2), { registry: t.contracts.registry, model: "echo-1", pricePerSecond: 1n, endpoint: "http://127.0.0.1:1", serviceType: 0 }));
});
after(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the opening in a child process that SIGKILLs itself at `when`. */
const openAndDie = (account: number, logPath: string, when: "after-broadcast" | "before-broadcast") =>
  runOpenAndDie({
    rpcUrl: t.anvil.rpcUrl, key: t.anvil.accounts[account]!.privateKey as Hex, registry: t.contracts.registry, streamPay: t.contracts.streamPay,
    logPath, recipient: t.wallet(2).address, providerId, deposit: DEPOSIT, when,
  });

const chainOf = (account: number): Promise<ClientChain> =>
  connectChain({ rpcUrl: t.anvil.rpcUrl, privateKey: t.anvil.accounts[account]!.privateKey, contracts: t.contracts, pollingIntervalMs: 50 });
const committed = (log: ReturnType<typeof openGatewayLog>) => committedSince(log.ledger.streams(), 0);

describe("gateway openings across a crash", { timeout: 120_000 }, () => {
  test("killed after broadcasting, before StreamOpened: the restart finds the stream, cancels it, the consumer gets the rest back", async () => {
    const chain = await chainOf(5);
    const me = chain.wallet!.address;
    const logPath = join(dir, "after.db");
    const before = await t.read.getBalance({ address: me });
    await openAndDie(5, logPath, "after-broadcast");

    const log = openGatewayLog(logPath, me);
    try {
      const [orphan] = log.orphanOpenings();
      assert.ok(orphan, "the opening was logged before it was broadcast");
      assert.equal(log.state().streams.size, 0, "no StreamOpened: the child died before it");
      assert.equal(committed(log), DEPOSIT, "its deposit is still counted by the limits");
      // `claw gateway status` names it while it is pending.
      const pending = () => statusOf(log, { url: "", wallet: me, chainId: 0, path: logPath, limits: {} }).pendingOpenings;
      assert.deepEqual(pending().map((x) => [x.txHash, x.deposit]), [[orphan.intent.txHash, DEPOSIT.toString()]]);

      const r = await recoverStreams(chain, log);
      assert.deepEqual(r.failed, []);
      assert.equal(r.openings.length, 1);
      assert.equal(r.openings[0]!.outcome, "opened");
      const streamId = r.openings[0]!.streamId!;
      const [receipt] = r.receipts;
      assert.ok(receipt);
      assert.equal(receipt.streamId, streamId);
      assert.equal(receipt.closedBy, "consumer-cancel", "nothing was served: cancelled, not waited on");
      assert.equal(receipt.paid + receipt.refunded, DEPOSIT);

      // Exact in wei: the deposit came back but for what the provider streamed by time, minus both gas bills.
      const open = await t.read.getTransactionReceipt({ hash: orphan.intent.txHash as Hash });
      const openGas = open.gasUsed * open.effectiveGasPrice;
      assert.equal(await t.read.getBalance({ address: me }), before - openGas - receipt.gasPaid - receipt.paid);

      // The log is consistent: the stream opened and closed, the opening resolved, the limits count what it paid.
      const s = log.state().streams.get(streamId)!;
      assert.equal(s.status, "cancelled");
      assert.equal(s.openTx.toLowerCase(), orphan.intent.txHash.toLowerCase());
      assert.deepEqual(log.orphanOpenings(), []);
      assert.deepEqual(pending(), [], "resolved: no longer listed as pending");
      assert.equal(committed(log), receipt.paid);
      assert.notEqual(streamVerdict(log.store, streamId, chainTakeOfReceipt(receipt))?.verdict, "overcharged");
      // `claw gateway audit`'s reconciliation reads the log with the new events: clean.
      const view = log.store.replay(foldLogView, emptyLogView());
      const history = await getStreamHistory(t.read, { streamPay: t.contracts.streamPay, streamId, fromBlock: s.openBlock });
      const report = auditGateway(view, new Map([[streamId, chainTakeOf(history, s.recipient, 0n)]]));
      assert.equal(report.ok, true);
      assert.deepEqual(report.streams.map((x) => [x.streamId, x.requests, x.taken]), [[streamId, 0, receipt.paid]]);
      // What the cancel paid by time (0 when it landed in the opening's second) is not the provider's claim.
      assert.ok(["ok", "paid-by-time"].includes(report.streams[0]!.verdict));

      // Idempotent: a second recovery finds nothing to do.
      const again = await recoverStreams(chain, log);
      assert.deepEqual([again.openings, again.receipts, again.failed], [[], [], []]);
    } finally {
      log.close();
    }
    // And a later restart reads it the same way (no orphan, nothing open).
    const reopened = openGatewayLog(logPath, me, { readonly: true });
    try {
      assert.deepEqual(reopened.orphanOpenings(), []);
      assert.equal([...reopened.state().streams.values()].filter((x) => x.status === "active").length, 0);
    } finally {
      reopened.close();
    }
  });

  test("killed before broadcasting: pending while its nonce is free (deposit still counted), dropped once the nonce moved past it", async () => {
    const chain = await chainOf(6);
    const me = chain.wallet!.address;
    const logPath = join(dir, "before.db");
    const nonce = await t.read.getTransactionCount({ address: me });
    await openAndDie(6, logPath, "before-broadcast");
    assert.equal(await t.read.getTransactionCount({ address: me, blockTag: "pending" }), nonce, "nothing was broadcast");

    const log = openGatewayLog(logPath, me);
    try {
      const [orphan] = log.orphanOpenings();
      assert.ok(orphan);
      assert.equal(orphan.intent.nonce, BigInt(nonce));
      const first = await recoverStreams(chain, log);
      assert.equal(first.openings[0]!.outcome, "pending", "its nonce is still free: it is not declared dropped");
      assert.equal(committed(log), DEPOSIT, "still counted while undecided");

      // Another transaction from the wallet takes that nonce: the signed opening can never be mined now.
      const w = t.wallet(6);
      await t.read.waitForTransactionReceipt({ hash: await w.walletClient.sendTransaction({ to: t.wallet(3).address, value: 1n }) });
      const second = await recoverStreams(chain, log);
      assert.equal(second.openings[0]!.outcome, "dropped");
      assert.deepEqual(second.receipts, []);
      assert.deepEqual(log.orphanOpenings(), []);
      assert.equal(committed(log), 0n, "its reservation is released");
      assert.equal(log.state().streams.size, 0, "no stream was invented");
      assert.deepEqual((await recoverStreams(chain, log)).openings, [], "resolved once");
    } finally {
      log.close();
    }
  });

  test("an opening that was mined and reverted is marked so and releases its deposit; no stream is invented", async () => {
    const w = t.wallet(7);
    const logPath = join(dir, "reverted.db");
    // A transaction from the wallet that reverts on chain (explicit gas skips the simulation), standing in
    // for an opening the chain refused after it was logged.
    const nonce = await t.read.getTransactionCount({ address: w.address });
    const hash = await w.walletClient.writeContract({ address: t.contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [404n], gas: 100_000n });
    assert.equal((await t.read.waitForTransactionReceipt({ hash })).status, "reverted");
    const earlier = openGatewayLog(logPath, w.address);
    earlier.store.append(ev.streamOpening({ txHash: hash, sender: w.address, recipient: t.wallet(2).address, providerId, deposit: DEPOSIT, duration: 600n, serviceType: 0, nonce: BigInt(nonce) }));
    earlier.close();

    const log = openGatewayLog(logPath, w.address);
    try {
      assert.equal(committed(log), DEPOSIT);
      const r = await recoverStreams(await chainOf(7), log);
      assert.deepEqual(r.openings.map((o) => o.outcome), ["reverted"]);
      assert.deepEqual([r.receipts, r.failed], [[], []]);
      assert.equal(committed(log), 0n);
      assert.equal(log.state().streams.size, 0);
    } finally {
      log.close();
    }
  });
});
