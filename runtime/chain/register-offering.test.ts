import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createTestClient, http, pad, toHex } from "viem";
import { computeRegistryAbi } from "../../contracts/generated/abi.ts";
import { retireProvider } from "./actions/retire-provider.ts";
import { startTestChain, type TestChain } from "./actions/testing.ts";
import { ensureRegistered } from "./register-offering.ts";

let t: TestChain;
before(async () => (t = await startTestChain({ registrationBond: 1_000n })));
after(() => t?.stop());

const offering = { model: "echo-1", pricePerSecond: 10n, endpoint: "https://provider.example/v1", serviceType: 0 };

test("registers once, then finds its entry from the logs however far its id lies: unchanged, updated, never a second bond", async () => {
  // Ids jump to 3,000,000 first (the registry's counter is its slot 0): v2's id scan gave up past ~2,000,000.
  const testClient = createTestClient({ mode: "anvil", transport: http(t.anvil.rpcUrl) });
  await testClient.setStorageAt({ address: t.contracts.registry, index: pad(toHex(0), { size: 32 }), value: pad(toHex(3_000_000), { size: 32 }) });
  const w = t.wallet(1);
  const first = await ensureRegistered(w, t.contracts.registry, offering);
  assert.deepEqual([first.action, first.providerId], ["registered", 3_000_000n]);
  const again = await ensureRegistered(w, t.contracts.registry, offering);
  assert.deepEqual([again.action, again.providerId], ["unchanged", 3_000_000n]);
  const repriced = await ensureRegistered(w, t.contracts.registry, { ...offering, pricePerSecond: 12n });
  assert.deepEqual([repriced.action, repriced.providerId], ["updated", 3_000_000n]);
  const count = await t.read.readContract({ address: t.contracts.registry, abi: computeRegistryAbi, functionName: "providerCount" });
  assert.equal(count, 3_000_000n, "one registration only");
  assert.equal(await t.read.getBalance({ address: t.contracts.registry }), 1_000n, "one bond only");
});

test("a retired entry is skipped: the next start registers a fresh one", async () => {
  const w = t.wallet(2);
  const a = await ensureRegistered(w, t.contracts.registry, offering);
  await retireProvider(w, { registry: t.contracts.registry, providerId: a.providerId });
  const b = await ensureRegistered(w, t.contracts.registry, offering);
  assert.equal(b.action, "registered");
  assert.notEqual(b.providerId, a.providerId);
  const fromLater = await ensureRegistered(w, t.contracts.registry, offering, { fromBlock: b.txHash ? (await t.read.getTransactionReceipt({ hash: b.txHash as `0x${string}` })).blockNumber : 0n });
  assert.deepEqual([fromLater.action, fromLater.providerId], ["unchanged", b.providerId], "fromBlock at the registration still finds it");
});
