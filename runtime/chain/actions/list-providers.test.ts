import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { listProviders } from "./list-providers.ts";
import { PROVIDER_PAGE } from "./paging.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";
import { updateProvider } from "./update-provider.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("every provider by id across pages; activeOnly leaves out the inactive", async () => {
  // One more than a page, so the second page is followed.
  const n = Number(PROVIDER_PAGE) + 1;
  const w = t.wallet(1);
  for (let i = 0; i < n; i++) await registerProvider(w, { registry: t.contracts.registry, model: `m${i}`, pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });
  await updateProvider(w, { registry: t.contracts.registry, providerId: 2n, pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", active: false });
  const all = await listProviders(t.read, { registry: t.contracts.registry });
  assert.equal(all.length, n);
  assert.deepEqual(all.map((p) => p.id), Array.from({ length: n }, (_, i) => BigInt(i + 1)));
  const active = await listProviders(t.read, { registry: t.contracts.registry, activeOnly: true });
  assert.equal(active.length, n - 1);
  assert.ok(!active.some((p) => p.id === 2n));
});

test("pages are read at one block, and a listing longer than its page cap throws CHAIN_PAGE_CAP", async () => {
  const pinned = await t.read.getBlockNumber({ cacheTime: 0 });
  const before = await listProviders(t.read, { registry: t.contracts.registry, blockNumber: pinned });
  await registerProvider(t.wallet(2), { registry: t.contracts.registry, model: "late", pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });
  assert.equal((await listProviders(t.read, { registry: t.contracts.registry, blockNumber: pinned })).length, before.length, "the pinned listing ignores the later one");
  await assert.rejects(listProviders(t.read, { registry: t.contracts.registry, maxPages: 1 }), (e) => isClawError(e, "CHAIN_PAGE_CAP") && e.details?.cap === 1);
});
