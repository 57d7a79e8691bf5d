import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeAbiParameters, encodeEventTopics, type Hex, type Log } from "viem";
import { decodeLogs, logToEvent, watchedAbi } from "./log-to-event.ts";

const WALLET = "0x00000000000000000000000000000000000B0b00";
const TX: Hex = `0x${"ab".repeat(32)}`;
type AbiEvent = Extract<(typeof watchedAbi)[number], { type: "event" }>;
const events = watchedAbi.filter((x): x is AbiEvent => x.type === "event");

/** A raw log as a node returns it (topics + data encoded from the ABI), decoded by the watcher's decoder. */
function log(eventName: "PaymentDeferred" | "Claimed" | "StreamDepleted" | "ProviderRetired", args: Record<string, unknown>, logIndex = 0) {
  const item = events.find((x) => x.name === eventName);
  if (!item) throw new Error(`${eventName} is not an event of the ABIs`);
  const topics = encodeEventTopics({ abi: [item], eventName, args } as Parameters<typeof encodeEventTopics>[0]);
  const plain = item.inputs.filter((i) => !i.indexed);
  const data = encodeAbiParameters(plain, plain.map((i) => args[i.name]));
  const raw: Log = {
    address: "0x0000000000000000000000000000000000000001", blockHash: TX, blockNumber: 12n, data, logIndex, removed: false,
    topics: topics as [Hex, ...Hex[]], transactionHash: TX, transactionIndex: 0,
  };
  const [decoded] = decodeLogs([raw]);
  if (!decoded) throw new Error(`${eventName} did not decode`);
  return decoded;
}

describe("logToEvent: issue 14's money events", () => {
  test("PaymentDeferred keeps the stream id, on the stream's key", () => {
    const e = logToEvent(log("PaymentDeferred", { streamId: 7n, to: WALLET, amount: 400n }, 3));
    assert.equal(e?.type, "PaymentDeferred");
    assert.equal(e?.key, "stream:7");
    assert.deepEqual(e?.data, { streamId: 7n, to: WALLET, amount: 400n, chain: { blockNumber: 12n, txHash: TX, logIndex: 3 } });
  });

  test("Claimed becomes PaymentClaimed on the account's key (claim, claimTo or claimFor)", () => {
    const e = logToEvent(log("Claimed", { account: WALLET, to: "0x000000000000000000000000000000000000dEaD", amount: 400n }));
    assert.equal(e?.type, "PaymentClaimed");
    assert.equal(e?.key, `wallet:${WALLET.toLowerCase()}`);
    assert.equal(e?.type === "PaymentClaimed" && e.data.amount, 400n);
  });

  test("StreamDepleted is kept; the same log read twice has the same dedupe id", () => {
    const a = logToEvent(log("StreamDepleted", { streamId: 9n }, 1));
    const b = logToEvent(log("StreamDepleted", { streamId: 9n }, 1));
    assert.equal(a?.type, "StreamDepleted");
    assert.equal(a?.dedupe, b?.dedupe);
    assert.equal(logToEvent(log("ProviderRetired", { providerId: 1n, wallet: WALLET, bond: 0n, payee: WALLET, releaseAt: 0n })), null, "not kept: the registry view says it");
  });

  test("a log of an event neither contract has is dropped by the decoder", () => {
    const stray: Log = {
      address: "0x0000000000000000000000000000000000000001", blockHash: TX, blockNumber: 1n, data: "0x", logIndex: 0, removed: false,
      topics: [`0x${"12".repeat(32)}`], transactionHash: TX, transactionIndex: 0,
    };
    assert.deepEqual(decodeLogs([stray]), []);
  });
});
