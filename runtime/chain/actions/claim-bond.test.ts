import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { claimBond } from "./claim-bond.ts";
import { registerProvider } from "./register-provider.ts";
import { retireProvider } from "./retire-provider.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain({ registrationBond: 9_000n })));
after(() => t?.stop());

test("the bond is refused before the cooldown, then anyone pays it to the payee once", async () => {
  const { providerId } = await registerProvider(t.wallet(1), { registry: t.contracts.registry, model: "m", pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });
  await assert.rejects(claimBond(t.wallet(2), { registry: t.contracts.registry, providerId }), (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NoBondDue");
  const payee = t.wallet(3).address;
  await retireProvider(t.wallet(1), { registry: t.contracts.registry, providerId, payee });
  await assert.rejects(claimBond(t.wallet(2), { registry: t.contracts.registry, providerId }), (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "BondNotDue");
  await t.advance(30 * 86_400);
  const before = await t.read.getBalance({ address: payee });
  await claimBond(t.wallet(2), { registry: t.contracts.registry, providerId });
  assert.equal(await t.read.getBalance({ address: payee }), before + 9_000n);
  assert.equal(await t.read.getBalance({ address: t.contracts.registry }), 0n);
  await assert.rejects(claimBond(t.wallet(2), { registry: t.contracts.registry, providerId }), (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "NoBondDue");
});
