import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { listProvidersByModel } from "./list-providers-by-model.ts";
import { registerProvider } from "./register-provider.ts";
import { retireProvider } from "./retire-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

const reg = (i: number, model: string) => registerProvider(t.wallet(i), { registry: t.contracts.registry, model, pricePerSecond: BigInt(i), endpoint: "http://127.0.0.1:9", serviceType: 0 });

test("only exactly that model, newest first; an unknown model is empty", async () => {
  const a = await reg(1, "llama");
  await reg(2, "llama-2");
  const b = await reg(3, "llama");
  const found = await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "llama" });
  assert.deepEqual(found.map((p) => p.id), [b.providerId, a.providerId]);
  assert.deepEqual(await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "nothing" }), []);
});

test("every page is read at one block; retired entries never appear; the page cap throws CHAIN_PAGE_CAP", async () => {
  const ids: bigint[] = [];
  for (let i = 4; i < 9; i++) ids.unshift((await reg(i, "sdxl")).providerId);
  const pinned = await t.read.getBlockNumber({ cacheTime: 0 });
  await retireProvider(t.wallet(6), { registry: t.contracts.registry, providerId: ids[2]! });
  const atPin = await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "sdxl", blockNumber: pinned, pageSize: 2n });
  assert.deepEqual(atPin.map((p) => p.id), ids, "pages of 2 at the pinned block: the list as it was");
  const now = await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "sdxl", pageSize: 2n });
  assert.deepEqual(now.map((p) => p.id), ids.filter((_, i) => i !== 2), "the retired one is gone, nothing else");
  await assert.rejects(listProvidersByModel(t.read, { registry: t.contracts.registry, model: "sdxl", pageSize: 2n, maxPages: 1 }),
    (e) => isClawError(e, "CHAIN_PAGE_CAP") && e.details?.cap === 1);
  assert.equal((await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "sdxl", pageSize: 2n, maxPages: 2 })).length, 4, "exactly enough pages is fine");
});
