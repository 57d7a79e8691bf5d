import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../core/errors.ts";
import { byPrice } from "./discover.ts";
import { checkQuote, parseQuote, type WireQuote } from "./quote.ts";
import type { ProviderInfo } from "./types.ts";

const wallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const streamPay = "0xa16E02E87b7454126E5E10d957A927A7F5B5d2be";
const provider = (id: bigint, price: bigint, latencyMs?: number): ProviderInfo => ({
  id, wallet, model: "echo-1", endpoint: "http://p", pricePerSecond: price, serviceType: 0, active: true, retired: false, completedJobs: 0n, totalEarned: 0n, registeredAt: 0n,
  ...(latencyMs === undefined ? {} : { health: { ok: true, latencyMs } }),
});
const wire: WireQuote = {
  model: "echo-1", kind: "text", providerId: "3", recipient: wallet.toLowerCase() as `0x${string}`, pricePerSecond: "1000000000000", serviceType: 0,
  minJobMs: 1000, maxJobSeconds: 120, queue: { waiting: 0, running: 0, expectedWaitMs: 0 }, suggested: { durationSeconds: 600, deposit: "600000000000000" },
  chainId: 31337, contracts: { registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3", streamPay },
};

describe("quotes", () => {
  test("a quote is parsed to bigint wei and accepted when it names this chain, contract, provider and wallet", () => {
    const q = parseQuote(wire);
    assert.equal(q.pricePerSecond, 1_000_000_000_000n);
    assert.equal(q.suggested.deposit, 600_000_000_000_000n);
    checkQuote(q, provider(3n, 1n), { chainId: 31337, contracts: { registry: wire.contracts.registry, streamPay } });
  });

  test("an endpoint answering for another provider, wallet, chain or contract is QUOTE_MISMATCH, naming each problem", () => {
    const q = parseQuote({ ...wire, providerId: "4", chainId: 97 });
    assert.throws(
      () => checkQuote(q, provider(3n, 1n), { chainId: 31337, contracts: { registry: wire.contracts.registry, streamPay: "0x0000000000000000000000000000000000000001" } }),
      (e) => isClawError(e, "QUOTE_MISMATCH") && (e.details as { problems: string[] }).problems.length === 3,
    );
  });
});

describe("byPrice", () => {
  test("cheapest first; equal prices by probed latency, then by the older id", () => {
    const sorted = [provider(5n, 20n), provider(2n, 10n, 9), provider(4n, 10n, 3), provider(1n, 30n), provider(3n, 10n, 3)].sort(byPrice);
    assert.deepEqual(sorted.map((p) => p.id), [3n, 4n, 2n, 5n, 1n]);
  });
});
