import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { getReputation } from "./get-reputation.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("a provider nobody rated has zero sums and no averages; an unknown id is null", async () => {
  const { providerId } = await registerProvider(t.wallet(1), { registry: t.contracts.registry, model: "m", pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });
  const rep = await getReputation(t.read, { registry: t.contracts.registry, providerId });
  assert.deepEqual(rep, { ratings: 0n, paidByRaters: 0n, weight: 0n, scoreWeighted: 0n, ttftWeighted: 0n, tokensPerSecondWeighted: 0n, failuresWeighted: 0n, averages: null });
  assert.equal(await getReputation(t.read, { registry: t.contracts.registry, providerId: providerId + 1n }), null);
});
