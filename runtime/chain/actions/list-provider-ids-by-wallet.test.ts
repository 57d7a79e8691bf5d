import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { listProviderIdsByWallet } from "./list-provider-ids-by-wallet.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("a wallet's ids ascending, others' left out, and as of a given block", async () => {
  const reg = (i: number) => registerProvider(t.wallet(i), { registry: t.contracts.registry, model: "m", pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });
  const first = await reg(1);
  await reg(2);
  const third = await reg(1);
  const mine = await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(1).address });
  assert.deepEqual(mine, [first.providerId, third.providerId]);
  const earlier = await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(1).address, blockNumber: first.receipt.blockNumber });
  assert.deepEqual(earlier, [first.providerId]);
  assert.deepEqual(await listProviderIdsByWallet(t.read, { registry: t.contracts.registry, wallet: t.wallet(5).address }), []);
});
