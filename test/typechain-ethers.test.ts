/**
 * TypeChain earns its place: an ethers v6 client deploys and reads ComputeRegistry and StreamPay
 * on a real anvil only through the committed factories (contracts/generated/typechain), the way
 * contracts/README.md shows an ethers user. ethers is the contracts package's dependency; the
 * bindings resolve it from contracts/node_modules.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { JsonRpcProvider, Wallet } from "../contracts/node_modules/ethers/lib.esm/index.js";
import { ComputeRegistry__factory, StreamPay__factory } from "../contracts/generated/typechain/index.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";

describe("TypeChain bindings with ethers on anvil", () => {
  let anvil: Anvil;
  before(async () => {
    anvil = await startAnvil();
  });
  after(async () => {
    await anvil?.stop();
  });

  test("deploy through the factory, register, open a stream, read both back", async () => {
    const provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true });
    const [deployerKey, walletKey, consumerKey] = anvil.accounts.map((a) => a.privateKey);
    const deployer = new Wallet(deployerKey!, provider);
    const providerWallet = new Wallet(walletKey!, provider);
    const consumer = new Wallet(consumerKey!, provider);

    const registry = await new ComputeRegistry__factory(deployer).deploy(0n);
    await registry.waitForDeployment();
    const streamPay = StreamPay__factory.connect(await registry.streamPay(), consumer);
    assert.equal(await streamPay.registry(), await registry.getAddress(), "bound both ways");

    await (await registry.connect(providerWallet).registerProvider("echo-1", 10n, "http://127.0.0.1:8787", 0)).wait();
    const [page, next] = await registry.getProvidersByModel("echo-1", 0n, 200n);
    assert.equal(next, 0n);
    assert.equal(page.length, 1);
    assert.equal(page[0]!.id, 1n);
    assert.equal(page[0]!.wallet, providerWallet.address);
    assert.equal(page[0]!.endpoint, "http://127.0.0.1:8787");
    const [cheapest, price] = await registry.getCheapestProvider("echo-1", 0n, 2_000n);
    assert.deepEqual([cheapest, price], [1n, 10n]);

    const receipt = await (await streamPay.createStream(providerWallet.address, 3_600n, 0, 1n, { value: 36_000n })).wait();
    const created = receipt!.logs.map((l) => streamPay.interface.parseLog(l)).find((e) => e?.name === "StreamCreated");
    const id = created!.args.streamId as bigint;
    const s = await streamPay.getStream(id);
    assert.equal(s.sender, consumer.address);
    assert.equal(s.recipient, providerWallet.address);
    assert.equal(s.deposit, 36_000n);
    assert.equal(s.providerId, 1n);
    assert.equal(s.status, 1n, "Active");
    assert.equal(await streamPay.MAX_PROVIDER_ID(), await registry.MAX_PROVIDERS(), "the limits agree");
    provider.destroy();
  });
});
