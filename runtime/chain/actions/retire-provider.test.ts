import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { getProvider } from "./get-provider.ts";
import { listProvidersByModel } from "./list-providers-by-model.ts";
import { registerProvider } from "./register-provider.ts";
import { retireProvider } from "./retire-provider.ts";
import { REVERTING_CODE, startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain({ registrationBond: 7_000n })));
after(() => t?.stop());

const reg = (i: number) => registerProvider(t.wallet(i), { registry: t.contracts.registry, model: "echo-1", pricePerSecond: 1n, endpoint: "http://127.0.0.1:9", serviceType: 0 });

test("retiring finds its own hint, leaves the list, pays nothing yet and names the bond's release", async () => {
  const a = await reg(1);
  const b = await reg(2);
  await reg(3); // the head, in front of b
  const before = await t.read.getBalance({ address: t.wallet(2).address });
  const r = await retireProvider(t.wallet(2), { registry: t.contracts.registry, providerId: b.providerId });
  const block = await t.read.getBlock({ blockNumber: r.receipt.blockNumber });
  assert.equal(r.bond, 7_000n);
  assert.equal(r.payee, t.wallet(2).address);
  assert.equal(r.releaseAt, block.timestamp + 30n * 86_400n);
  assert.equal(await t.read.getBalance({ address: t.wallet(2).address }), before - r.receipt.gasUsed * r.receipt.effectiveGasPrice, "no bond back at once");
  const ids = (await listProvidersByModel(t.read, { registry: t.contracts.registry, model: "echo-1" })).map((p) => p.id);
  assert.ok(!ids.includes(b.providerId) && ids.includes(a.providerId));
  assert.equal((await getProvider(t.read, { registry: t.contracts.registry, providerId: b.providerId }))?.retired, true);
});

test("a stale hint still works; a wallet that refuses coin retires to a payee", async () => {
  const victim = await reg(4);
  await reg(5); // moves the head: hint 0 is stale now
  await retireProvider(t.wallet(4), { registry: t.contracts.registry, providerId: victim.providerId, hint: 0n });
  const refusing = await reg(6);
  await t.setCode(t.wallet(6).address, REVERTING_CODE);
  try {
    const r = await retireProvider(t.wallet(6), { registry: t.contracts.registry, providerId: refusing.providerId, payee: t.wallet(7).address });
    assert.equal(r.payee, t.wallet(7).address);
  } finally {
    await t.setCode(t.wallet(6).address, "0x");
  }
});

test("retiring twice is refused with ProviderIsRetired", async () => {
  const x = await reg(8);
  await retireProvider(t.wallet(8), { registry: t.contracts.registry, providerId: x.providerId });
  await assert.rejects(retireProvider(t.wallet(8), { registry: t.contracts.registry, providerId: x.providerId, hint: 0n }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "ProviderIsRetired");
});
