import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { logToEvent, type DecodedLog } from "./log-to-event.ts";

const WALLET = "0x00000000000000000000000000000000000B0b00";
const log = (eventName: string, args: Record<string, unknown>, logIndex = 0): DecodedLog =>
  ({ eventName, args, blockNumber: 12n, transactionHash: `0x${"ab".repeat(32)}`, logIndex }) as unknown as DecodedLog;

describe("logToEvent: issue 14's money events", () => {
  test("PaymentDeferred keeps the stream id, on the stream's key", () => {
    const e = logToEvent(log("PaymentDeferred", { streamId: 7n, to: WALLET, amount: 400n }, 3));
    assert.equal(e?.type, "PaymentDeferred");
    assert.equal(e?.key, "stream:7");
    assert.deepEqual(e?.data, { streamId: 7n, to: WALLET, amount: 400n, chain: { blockNumber: 12n, txHash: `0x${"ab".repeat(32)}`, logIndex: 3 } });
  });

  test("Claimed becomes PaymentClaimed on the account's key (claim, claimTo or claimFor)", () => {
    const e = logToEvent(log("Claimed", { account: WALLET, to: "0x000000000000000000000000000000000000dEaD", amount: 400n }));
    assert.equal(e?.type, "PaymentClaimed");
    assert.equal(e?.key, `wallet:${WALLET.toLowerCase()}`);
    assert.equal((e?.data as { amount: bigint }).amount, 400n);
  });

  test("StreamDepleted is kept; the same log read twice has the same dedupe id", () => {
    const a = logToEvent(log("StreamDepleted", { streamId: 9n }, 1));
    const b = logToEvent(log("StreamDepleted", { streamId: 9n }, 1));
    assert.equal(a?.type, "StreamDepleted");
    assert.equal(a?.dedupe, b?.dedupe);
    assert.equal(logToEvent(log("ProviderRetired", { providerId: 1n })), null, "not kept: the registry view says it");
  });
});
