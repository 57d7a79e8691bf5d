/**
 * Issue 14: the watcher records deferred payments and their claims, and `claw audit` reconciles coin
 * credited to the provider's wallet with coin it received. The wallet here is a contract that needs
 * more than StreamPay's 30,000-gas push (two fresh storage writes on receipt), the realistic case
 * of a deferral to a provider (an EOA never refuses). Real anvil, real watcher, real SQLite log.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createTestClient, createWalletClient, http, parseEventLogs, type Address, type Hash, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";
import { createChainClients, createReadClient } from "../runtime/chain/client.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";
import { createChainReader } from "../runtime/chain/read-chain.ts";
import { createChainWatcher } from "../runtime/chain/watcher.ts";
import { runAudit } from "../runtime/store/audit.ts";
import { openStore } from "../runtime/store/open.ts";

/** Runtime code: sstore(0, callvalue) sstore(1, timestamp): 44,200 gas on first receipt. */
const EXPENSIVE_RECEIVER_INIT = "0x6009600c60003960096000f3346000554260015500" as Hex;

describe("deferred payments: watcher and audit", { timeout: 120_000 }, () => {
  let anvil: Anvil;
  let dir: string;
  before(async () => {
    anvil = await startAnvil();
    dir = mkdtempSync(join(tmpdir(), "claw-credits-"));
  });
  after(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a deferral is recorded, reconciled against claimable, and its claim closes the gap", async () => {
    const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
    const transport = http(anvil.rpcUrl);
    const publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background" });
    const [deployerKey, consumerKey, keeperKey] = anvil.accounts.map((a) => a.privateKey);
    const wallet = (key: Hex) => createWalletClient({ chain, transport, account: privateKeyToAccount(key) });
    const mined = async (hash: Hash) => {
      const r = await publicClient.waitForTransactionReceipt({ hash });
      assert.equal(r.status, "success");
      return r;
    };
    const { registry, streamPay } = await deployContracts({ walletClient: wallet(deployerKey!), publicClient });
    const receiver = (await mined(await wallet(deployerKey!).deployContract({ abi: [], bytecode: EXPENSIVE_RECEIVER_INIT }))).contractAddress as Address;

    const consumer = wallet(consumerKey!);
    const created = await mined(await consumer.writeContract({ address: streamPay, abi: streamPayAbi, functionName: "createStream", args: [receiver, 100n, 0, 0n], value: 1_000_000n }));
    const streamId = parseEventLogs({ abi: streamPayAbi, logs: created.logs, eventName: "StreamCreated" })[0]!.args.streamId;
    await createTestClient({ chain, transport, mode: "anvil" }).increaseTime({ seconds: 40 });
    const cancelled = await mined(await consumer.writeContract({ address: streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streamId] }));
    const [deferred] = parseEventLogs({ abi: streamPayAbi, logs: cancelled.logs, eventName: "PaymentDeferred" });
    assert.equal(deferred?.args.streamId, streamId, "the deferral names its stream");
    const owed = deferred!.args.amount;
    assert.ok(owed > 0n);

    const store = openStore({ path: join(dir, "events.db") });
    const watcher = createChainWatcher({
      clients: createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: keeperKey! }),
      contracts: { registry, streamPay }, wallet: receiver, store, confirmations: 1, fromBlock: 0n, pollMs: 100,
      knownStreams: new Set(), knownProviders: new Set(),
    });
    const reader = createChainReader({ publicClient, contracts: { registry, streamPay } });
    try {
      await watcher.catchUp();
      const types = store.readByKey(`stream:${streamId}`).map((e) => e.type);
      assert.deepEqual(types, ["StreamOpened", "StreamCancelled", "PaymentDeferred"]);

      // Credited but not received: the log's outstanding credit equals claimable on chain.
      let report = await runAudit({ store, reader });
      assert.equal(report.ok, true, JSON.stringify(report.credits, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
      const [row] = report.credits;
      assert.deepEqual([row?.wallet, row?.credited, row?.deferred, row?.claimed, row?.received, row?.claimableChain],
        [receiver.toLowerCase(), owed, owed, 0n, 0n, owed]);

      // Anyone pushes the credit with full gas. Until the watcher has read the claim, the audit
      // sees coin left StreamPay that the log does not explain.
      await mined(await wallet(keeperKey!).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "claimFor", args: [receiver] }));
      assert.equal(await publicClient.getBalance({ address: receiver }), owed, "the contract has its coin");
      report = await runAudit({ store, reader });
      assert.equal(report.ok, false);
      assert.match(report.credits[0]!.differences.join(" "), /claimable is 0/);

      await watcher.catchUp();
      report = await runAudit({ store, reader });
      assert.equal(report.ok, true);
      assert.deepEqual([report.credits[0]?.claimed, report.credits[0]?.received, report.credits[0]?.claimableChain], [owed, owed, 0n]);
    } finally {
      await watcher.stop();
      store.close();
    }
  });
});
