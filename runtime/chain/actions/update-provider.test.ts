import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { getProvider } from "./get-provider.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";
import { updateProvider } from "./update-provider.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("the provider's wallet changes price, endpoint and active flag; another wallet is NotProviderWallet", async () => {
  const { providerId } = await registerProvider(t.wallet(1), { registry: t.contracts.registry, model: "m", pricePerSecond: 7n, endpoint: "http://127.0.0.1:9", serviceType: 0 });
  await updateProvider(t.wallet(1), { registry: t.contracts.registry, providerId, pricePerSecond: 9n, endpoint: "http://127.0.0.1:10", active: false });
  const p = await getProvider(t.read, { registry: t.contracts.registry, providerId });
  assert.deepEqual([p?.pricePerSecond, p?.endpoint, p?.active], [9n, "http://127.0.0.1:10", false]);
  await assert.rejects(
    updateProvider(t.wallet(2), { registry: t.contracts.registry, providerId, pricePerSecond: 1n, endpoint: "http://127.0.0.1:11", active: true }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NotProviderWallet",
  );
  assert.equal((await getProvider(t.read, { registry: t.contracts.registry, providerId }))?.pricePerSecond, 9n);
});
