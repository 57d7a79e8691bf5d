import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { startAnvil, anvilAccounts } from "./anvil.ts";

async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

describe("startAnvil", () => {
  test("answers on its own port with the default mnemonic's funded accounts, and stops", async () => {
    const a = await startAnvil();
    const b = await startAnvil({ chainId: 1337, accounts: 2 });
    try {
      assert.notEqual(a.port, b.port);
      assert.equal(Number(await rpc(a.rpcUrl, "eth_chainId")), 31337);
      assert.equal(Number(await rpc(b.rpcUrl, "eth_chainId")), 1337);
      assert.equal(a.accounts.length, 10);
      assert.equal(b.accounts.length, 2);
      // The well-known first anvil account.
      assert.equal(a.accounts[0]?.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
      assert.equal(a.accounts[0]?.privateKey, "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
      const balance = BigInt((await rpc(a.rpcUrl, "eth_getBalance", [a.accounts[9]?.address, "latest"])) as string);
      assert.equal(balance, 10_000n * 10n ** 18n);
    } finally {
      await a.stop();
      await b.stop();
    }
    await a.stop(); // idempotent
    await assert.rejects(fetch(a.rpcUrl, { method: "POST", body: "{}" }), "stopped anvil no longer answers");
  });

  test("anvilAccounts derives keys that match their addresses", () => {
    const [first, second] = anvilAccounts(2);
    assert.equal(second?.address, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    assert.notEqual(first?.privateKey, second?.privateKey);
  });
});
