import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { computeRegistryAbi, streamPayAbi } from "../../contracts/generated/abi.ts";
import { isClawError } from "../core/errors.ts";
import { startAnvil, type Anvil } from "./anvil.ts";
import { deployContracts, deploymentsDir, readDeployment, recordDeployment } from "./deploy.ts";

describe("deployContracts", () => {
  let anvil: Anvil;
  let dir: string;
  before(async () => {
    anvil = await startAnvil();
    dir = mkdtempSync(join(tmpdir(), "claw-deploy-"));
  });
  after(async () => {
    await anvil.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("deploys both contracts bound to each other in one transaction", async () => {
    const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain, transport }) as PublicClient;
    const account = privateKeyToAccount(anvil.accounts[0]!.privateKey);
    const d = await deployContracts({ walletClient: createWalletClient({ account, chain, transport }), publicClient });
    assert.equal(d.chainId, 31337);
    assert.equal(d.deployer, account.address);
    assert.equal(d.blockNumber, 1n, "first block of a fresh anvil");
    assert.equal(await publicClient.readContract({ address: d.registry, abi: computeRegistryAbi, functionName: "streamPay" }), d.streamPay);
    assert.equal(await publicClient.readContract({ address: d.streamPay, abi: streamPayAbi, functionName: "registry" }), d.registry);
    assert.equal(await publicClient.readContract({ address: d.streamPay, abi: streamPayAbi, functionName: "nextStreamId" }), 1n);
    assert.equal(await publicClient.readContract({ address: d.registry, abi: computeRegistryAbi, functionName: "providerCount" }), 0n);

    // Local chains are not written into the repo unless a file is named.
    assert.equal(recordDeployment(d.chainId, d), undefined);
    assert.equal(existsSync(join(deploymentsDir, "31337.json")), false);
    const file = join(dir, "31337.json");
    assert.equal(recordDeployment(d.chainId, d, file), file);
    const back = readDeployment(31337, file);
    assert.equal(back?.registry, d.registry);
    assert.equal(back?.streamPay, d.streamPay);
    assert.equal(BigInt(back?.blockNumber ?? "0"), d.blockNumber);
    assert.equal(back?.transaction, d.transaction);
  });

  test("readDeployment: undefined when none, clear errors for a bad file", () => {
    assert.equal(readDeployment(424242), undefined);
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{not json");
    assert.throws(() => readDeployment(97, bad), (e: unknown) => isClawError(e, "CONFIG_INVALID"));
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ chainId: 56, registry: "0x" + "1".repeat(40), streamPay: "0x" + "2".repeat(40), blockNumber: "1" }));
    assert.throws(() => readDeployment(97, other), (e: unknown) => isClawError(e, "CONFIG_INVALID") && /chain 97/.test((e as Error).message));
  });
});
