/**
 * Stop at cancel, the watcher's part: with confirmations > 1 a consumer's cancel is acted on in the
 * poll that first sees it (onUnconfirmedStop), while appending it to the log still waits for its
 * confirmations. Real anvil, real contracts, a real SQLite log.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createPublicClient, createWalletClient, http, parseEventLogs, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { streamPayAbi } from "../../contracts/generated/abi.ts";
import type { NewEvent } from "../core/events.ts";
import { openStore } from "../store/index.ts";
import type { EventStore } from "../store/types.ts";
import { startAnvil, type Anvil } from "./anvil.ts";
import { createChainClients } from "./client.ts";
import { deployContracts } from "./deploy.ts";
import { createChainWatcher } from "./watcher.ts";

let anvil: Anvil;
let dir: string;
let store: EventStore;
before(async () => {
  anvil = await startAnvil();
  dir = mkdtempSync(join(tmpdir(), "claw-watch-stop-"));
  store = openStore({ path: join(dir, "events.db") });
});
after(async () => {
  store?.close();
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("confirmations 3: a cancel is reported at once, appended only once confirmed", async () => {
  const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain, transport }) as PublicClient;
  const deployer = privateKeyToAccount(anvil.accounts[0]!.privateKey);
  const d = await deployContracts({ walletClient: createWalletClient({ account: deployer, chain, transport }), publicClient });
  const provider = privateKeyToAccount(anvil.accounts[1]!.privateKey);
  const consumer = createWalletClient({ account: privateKeyToAccount(anvil.accounts[2]!.privateKey), chain, transport });
  const open = await publicClient.waitForTransactionReceipt({
    hash: await consumer.writeContract({ address: d.streamPay, abi: streamPayAbi, functionName: "createStream", args: [provider.address, 600n, 0, 0n], value: 600n * 1000n }),
  });
  const streamId = parseEventLogs({ abi: streamPayAbi, logs: open.logs, eventName: "StreamCreated" })[0]!.args.streamId as bigint;
  const mine = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await publicClient.request({ method: "evm_mine" as never, params: [] as never });
  };
  await mine(3);

  const stops: NewEvent[] = [];
  const watcher = createChainWatcher({
    clients: createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: anvil.accounts[1]!.privateKey, pollingIntervalMs: 50 }),
    contracts: { registry: d.registry, streamPay: d.streamPay }, wallet: provider.address, store, confirmations: 3, fromBlock: d.blockNumber,
    pollMs: 60_000, knownStreams: new Set(), knownProviders: new Set(), onUnconfirmedStop: (e) => void stops.push(e),
  });
  await watcher.catchUp();
  assert.equal(store.read({ types: ["StreamOpened"] }).length, 1, "the confirmed open is in the log");

  await publicClient.waitForTransactionReceipt({ hash: await consumer.writeContract({ address: d.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streamId] }) });
  await watcher.catchUp();
  assert.deepEqual(stops.map((e) => [e.type, (e.data as { streamId: bigint }).streamId]), [["StreamCancelled", streamId]], "reported in the first poll that sees it");
  assert.equal(store.read({ types: ["StreamCancelled"] }).length, 0, "not appended before its confirmations");

  await mine(2);
  await watcher.catchUp();
  assert.equal(store.read({ types: ["StreamCancelled"] }).length, 1, "appended once confirmed");
  await watcher.stop();
});
