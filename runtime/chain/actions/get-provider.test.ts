import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { createReadClient } from "../client.ts";
import { getProvider } from "./get-provider.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("a registered id reads back; an id never registered is null, not an error", async () => {
  const { providerId, receipt } = await registerProvider(t.wallet(1), { registry: t.contracts.registry, model: "m", pricePerSecond: 3n, endpoint: "http://127.0.0.1:9", serviceType: 1 });
  const p = await getProvider(t.read, { registry: t.contracts.registry, providerId });
  assert.equal(p?.id, providerId);
  assert.equal(p?.retired, false);
  assert.equal(p?.completedJobs, 0n);
  assert.equal(await getProvider(t.read, { registry: t.contracts.registry, providerId: providerId + 100n }), null);
  assert.equal(await getProvider(t.read, { registry: t.contracts.registry, providerId, blockNumber: receipt.blockNumber - 1n }), null, "not yet registered one block earlier");
});

test("a node that does not answer is CHAIN_UNAVAILABLE, never null", async () => {
  const dead = createReadClient({ rpcUrl: "http://127.0.0.1:1", chainId: t.anvil.chainId, profile: "probe" });
  await assert.rejects(getProvider(dead, { registry: t.contracts.registry, providerId: 1n }), (e) => isClawError(e, "CHAIN_UNAVAILABLE"));
});
