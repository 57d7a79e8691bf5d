import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { listProvidersByModel } from "./list-providers-by-model.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("only exactly that model, newest first; an unknown model is empty", async () => {
  const reg = (i: number, model: string) => registerProvider(t.wallet(i), { registry: t.contracts.registry, model, pricePerSecond: BigInt(i), endpoint: "http://127.0.0.1:9", serviceType: 0 });
  const a = await reg(1, "llama");
  await reg(2, "llama-2");
  const b = await reg(3, "llama");
  const found = await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "llama" });
  assert.deepEqual(found.map((p) => p.id), [b.providerId, a.providerId]);
  assert.deepEqual(await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "nothing" }), []);
});
