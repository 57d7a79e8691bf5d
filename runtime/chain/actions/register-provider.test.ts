import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { getProvider } from "./get-provider.ts";
import { registerProvider } from "./register-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain({ registrationBond: 5_000n })));
after(() => t?.stop());

test("registration carries the registry's bond and returns the id the registry holds", async () => {
  const w = t.wallet(1);
  const before = await t.read.getBalance({ address: w.address });
  const r = await registerProvider(w, { registry: t.contracts.registry, model: "echo-1", pricePerSecond: 7n, endpoint: "http://127.0.0.1:9", serviceType: 2 });
  assert.equal(r.bond, 5_000n);
  assert.equal(await t.read.getBalance({ address: w.address }), before - 5_000n - r.receipt.gasUsed * r.receipt.effectiveGasPrice);
  const p = await getProvider(t.read, { registry: t.contracts.registry, providerId: r.providerId });
  assert.deepEqual({ wallet: p?.wallet, model: p?.model, price: p?.pricePerSecond, serviceType: p?.serviceType, active: p?.active }, {
    wallet: w.address, model: "echo-1", price: 7n, serviceType: 2, active: true,
  });
});

test("an empty model is refused with the contract's InvalidModel before anything is sent", async () => {
  await assert.rejects(
    registerProvider(t.wallet(2), { registry: t.contracts.registry, model: "", pricePerSecond: 7n, endpoint: "http://127.0.0.1:9", serviceType: 0 }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "InvalidModel",
  );
});
