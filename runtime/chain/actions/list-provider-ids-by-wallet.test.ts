import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createTestClient, http, pad, toHex } from "viem";
import { isClawError } from "../../core/errors.ts";
import { listProviderIdsByWallet } from "./list-provider-ids-by-wallet.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

const reg = (i: number) => registerProvider(t.wallet(i), { registry: t.contracts.registry, model: "m", pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });

test("a wallet's ids ascending, others' left out, and as of a given block", async () => {
  const first = await reg(1);
  await reg(2);
  const third = await reg(1);
  const mine = await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(1).address });
  assert.deepEqual(mine, [first.providerId, third.providerId]);
  const earlier = await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(1).address, blockNumber: first.receipt.blockNumber });
  assert.deepEqual(earlier, [first.providerId]);
  assert.deepEqual(await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(5).address }), []);
  const fromThird = await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(1).address, fromBlock: third.receipt.blockNumber });
  assert.deepEqual(fromThird, [third.providerId], "fromBlock: only what was registered from there on");
});

test("ids far past any id scan are found at once (issue 22: v2 gave up after 2,000,000 ids)", async () => {
  // The registry's id counter is its slot 0: jump it to 3,000,000 as if that many had registered.
  const testClient = createTestClient({ mode: "anvil", transport: http(t.anvil.rpcUrl) });
  await testClient.setStorageAt({ address: t.contracts.registry, index: pad(toHex(0), { size: 32 }), value: pad(toHex(3_000_000), { size: 32 }) });
  const far = await reg(3);
  assert.equal(far.providerId, 3_000_000n);
  assert.deepEqual(await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(3).address }), [3_000_000n]);
});

test("a range wider than the window cap throws CHAIN_PAGE_CAP instead of returning a cut list", async () => {
  const head = await t.read.getBlockNumber({ cacheTime: 0 });
  assert.ok(head >= 3n);
  await assert.rejects(
    listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(1).address, logWindow: 1n, maxWindows: 2 }),
    (e) => isClawError(e, "CHAIN_PAGE_CAP") && e.details?.cap === 2,
  );
});
