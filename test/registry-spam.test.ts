/**
 * Issue 14, spam on a real node: 20,000 junk registrations of the provider's own model (written
 * with anvil_setStorageAt exactly as registerProvider lays them out, newest first in front of the
 * real entry) do not stop the runtime's registration check (ensureRegistered) or the SDK's
 * discovery: both use only paged registry calls, each under anvil's eth_call gas cap. The per-call
 * worst cases are measured in contracts/test/RegistrySpam.t.sol.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { createTestClient, createWalletClient, encodeAbiParameters, http, keccak256, pad, toHex, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { computeRegistryAbi } from "../contracts/generated/abi.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";
import { createChainClients, createReadClient } from "../runtime/chain/client.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";
import { ensureRegistered } from "../runtime/chain/register-offering.ts";
import { listProviderIdsByWallet } from "../runtime/chain/actions/list-provider-ids-by-wallet.ts";
import { connectChain } from "../runtime/client/chain.ts";
import { discover } from "../runtime/client/discover.ts";

const JUNK = 20_000;
const SPAMMER = "0x0000000000000000000000000000000000005bA4";

/** Solidity's one-slot layout of a string of at most 31 bytes: the bytes left-aligned, length * 2 last. */
function shortString(s: string): `0x${string}` {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(32);
  out.set(bytes);
  out[31] = bytes.length * 2;
  return toHex(out);
}

describe("20,000 junk registrations", () => {
  let anvil: Anvil;
  let health: Server;
  let healthUrl: string;
  before(async () => {
    anvil = await startAnvil();
    // The real provider answers GET /health (the SDK's probe); junk endpoints refuse connections.
    health = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => health.listen(0, "127.0.0.1", r));
    healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/v1`;
  });
  after(async () => {
    await anvil?.stop();
    await new Promise((r) => health?.close(r));
  });

  test("the registration check and discovery still find the real provider, with bounded calls only", async () => {
    const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
    const publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background" });
    const [deployerKey, providerKey] = anvil.accounts.map((a) => a.privateKey);
    const { registry, streamPay } = await deployContracts({
      walletClient: createWalletClient({ account: privateKeyToAccount(deployerKey!), chain, transport: http(anvil.rpcUrl) }), publicClient,
    });
    const clients = createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: providerKey!, pollingIntervalMs: 100 });
    const offering = { model: "echo-1", pricePerSecond: 10n, endpoint: healthUrl, serviceType: 0 };
    const first = await ensureRegistered(clients, registry, offering);
    assert.deepEqual([first.providerId, first.action], [1n, "registered"]);

    // The junk: ids 2..20,001, same model, linked newest first down to id 1 (the real one), inactive
    // (discovery must page past them), one JSON-RPC batch per 1,000 writes.
    const cheat = createTestClient({ chain, mode: "anvil", transport: http(anvil.rpcUrl, { batch: { batchSize: 1_000 }, timeout: 60_000 }) });
    const model = shortString("echo-1");
    const endpoint = shortString("http://junk.invalid");
    const writes: Promise<void>[] = [];
    for (let id = 2n; id <= BigInt(JUNK + 1); id++) {
      const base = BigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [id, 1n]))); // _providers[id]
      const slot = (i: bigint) => pad(toHex(base + i), { size: 32 });
      writes.push(cheat.setStorageAt({ address: registry, index: slot(0n), value: pad(toHex((1n << 160n) | BigInt(SPAMMER)), { size: 32 }) }));
      writes.push(cheat.setStorageAt({ address: registry, index: slot(1n), value: pad(toHex(((id - 1n) << 64n) | 1_750_000_000n), { size: 32 }) }));
      writes.push(cheat.setStorageAt({ address: registry, index: slot(2n), value: model }));
      writes.push(cheat.setStorageAt({ address: registry, index: slot(3n), value: endpoint }));
    }
    const head = keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }], [keccak256(toHex("echo-1")), 2n]));
    writes.push(cheat.setStorageAt({ address: registry, index: head, value: pad(toHex(BigInt(JUNK + 1)), { size: 32 }) }));
    writes.push(cheat.setStorageAt({ address: registry, index: pad("0x0", { size: 32 }), value: pad(toHex(BigInt(JUNK + 2)), { size: 32 }) }));
    await Promise.all(writes);
    await cheat.mine({ blocks: 1 });
    const count = await publicClient.readContract({ address: registry, abi: computeRegistryAbi, functionName: "providerCount" });
    assert.equal(count, BigInt(JUNK + 1));

    // The provider restarts: its check pages through 20,001 ids (11 windows) and finds its entry.
    assert.deepEqual(await listProviderIdsByWallet(publicClient, { registry, wallet: clients.address }), [1n]);
    const again = await ensureRegistered(clients, registry, offering);
    assert.deepEqual([again.providerId, again.action], [1n, "unchanged"]);

    // A consumer discovers the model: 101 pages of 200 along the model's list; only the real one is active.
    const sdk = await connectChain({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts: { registry, streamPay } });
    const found = await discover(sdk, "echo-1");
    assert.deepEqual(found.map((p) => [p.id, p.wallet as Address]), [[1n, clients.address]]);

    // 40 of the junk turn active and cheaper, with dead endpoints: a probing client tries them
    // cheapest first, 32 at a time, and still reaches the real provider in the second round.
    const junkSlot = (id: bigint, i: bigint) => pad(toHex(BigInt(keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [id, 1n]))) + i), { size: 32 });
    const flips: Promise<void>[] = [];
    for (let id = BigInt(JUNK + 1); id > BigInt(JUNK - 39); id--) {
      flips.push(cheat.setStorageAt({ address: registry, index: junkSlot(id, 1n), value: pad(toHex(((id - 1n) << 64n) | (1n << 48n) | 1_750_000_000n), { size: 32 }) }));
      flips.push(cheat.setStorageAt({ address: registry, index: junkSlot(id, 3n), value: shortString("http://127.0.0.1:1") }));
    }
    await Promise.all(flips);
    await cheat.mine({ blocks: 1 });
    const probed = await discover(sdk, "echo-1", { probe: true, probeTimeoutMs: 2_000 });
    assert.deepEqual(probed.map((p) => [p.id, p.health?.ok]), [[1n, true]], "only the healthy real provider is left");
    const unprobed = await discover(sdk, "echo-1");
    assert.equal(unprobed.length, 41, "without a probe: 40 cheap junk entries, then the real one");
    assert.equal(unprobed[40]!.id, 1n);
  });
});
