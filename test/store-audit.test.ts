/**
 * `claw audit` end to end against a real chain: anvil, the real contracts, real streams settled and
 * cancelled, the chain's logs mapped into the log the way the runtime's watcher does, plus metered
 * jobs. The audit must reconcile to the wei, then catch a metered job that was never charged, and
 * the commands must exit 0 / 1 accordingly.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestClient, createWalletClient, http, parseEventLogs, type Address, type Hash } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { computeRegistryAbi, streamPayAbi } from "../contracts/generated/abi.ts";
import { createReadClient, type ReadClient } from "../runtime/chain/client.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";
import { decodeLogs, logToEvent } from "../runtime/chain/log-to-event.ts";
import { createChainReader } from "../runtime/chain/read-chain.ts";
import * as ev from "../runtime/core/events.ts";
import { runAudit } from "../runtime/store/audit.ts";
import { openStore } from "../runtime/store/open.ts";

const cli = resolve(import.meta.dirname, "../runtime/cli/bin.mjs");
const PRICE = 1000n;

describe("claw audit against a real chain", { timeout: 120_000 }, () => {
  let anvil: Anvil;
  let dir: string;
  let db: string;
  let contracts: { registry: Address; streamPay: Address };
  let publicClient: ReadClient;
  const streams: Record<"settled" | "cancelled" | "open", bigint> = { settled: 0n, cancelled: 0n, open: 0n };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "claw-audit-"));
    db = join(dir, "events.db");
    anvil = await startAnvil();
    const [deployerKey, providerKey, consumerKey] = anvil.accounts.map((a) => a.privateKey);
    const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
    const transport = http(anvil.rpcUrl);
    publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background" });
    const wallet = (key: `0x${string}`) => createWalletClient({ chain, transport, account: privateKeyToAccount(key) });
    const deployed = await deployContracts({ walletClient: wallet(deployerKey!), publicClient });
    contracts = { registry: deployed.registry, streamPay: deployed.streamPay };
    const provider = wallet(providerKey!);
    const consumer = wallet(consumerKey!);
    const mined = async (hash: Hash) => {
      const r = await publicClient.waitForTransactionReceipt({ hash });
      assert.equal(r.status, "success");
      return r;
    };
    await mined(await provider.writeContract({ address: contracts.registry, abi: computeRegistryAbi, functionName: "registerProvider",
      args: ["echo-1", PRICE, "http://127.0.0.1:1", 0] }));
    const open = async () => {
      const r = await mined(await consumer.writeContract({ address: contracts.streamPay, abi: streamPayAbi, functionName: "createStream",
        args: [provider.account.address, 3600n, 0, 1n], value: 10n ** 18n }));
      const [created] = parseEventLogs({ abi: streamPayAbi, logs: r.logs, eventName: "StreamCreated" });
      return created!.args.streamId;
    };
    streams.settled = await open();
    streams.cancelled = await open();
    streams.open = await open();
    await createTestClient({ chain, transport, mode: "anvil" }).increaseTime({ seconds: 30 });
    await mined(await provider.writeContract({ address: contracts.streamPay, abi: streamPayAbi, functionName: "settle", args: [streams.settled, 1750n] }));
    await mined(await consumer.writeContract({ address: contracts.streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [streams.cancelled] }));

    // The log, as the runtime writes it: the chain's events (through the watcher's mapping) and metered jobs.
    const logs = decodeLogs(await publicClient.getLogs({ address: [contracts.streamPay, contracts.registry], fromBlock: 0n })).sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : Number(a.blockNumber - b.blockNumber)));
    const store = openStore({ path: db });
    store.append(logs.map((l) => logToEvent(l)).filter((e): e is ev.NewEvent => e !== null));
    const job = (streamId: bigint, jobId: string, nonce: bigint, cost: bigint) => [
      ev.jobAccepted({ jobId, streamId, offering: "echo-1", providerId: 1n, nonce, bodyHash: "0x", signer: consumer.account.address,
        pricePerSecond: PRICE, task: "chat" }),
      ev.jobStarted({ jobId, streamId, queuedMs: 0 }),
      ev.jobCompleted({ jobId, streamId, meteredMs: cost, cost, tokens: {} }),
    ];
    store.append([...job(streams.settled, "a", 1n, 1500n), ...job(streams.settled, "b", 2n, 250n), ...job(streams.open, "c", 1n, 400n),
      ev.jobRejected({ code: "STREAM_NOT_FOUND", status: 402, streamId: 999n, reason: "no such stream" })]);
    store.close();
  });

  after(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const claw = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, CLAW_DEV_INFO: join(dir, "none.json") } });
  const chainFlags = () => ["--rpc", anvil.rpcUrl, "--registry", contracts.registry, "--stream-pay", contracts.streamPay];

  test("every stream and the registry reconcile to the wei", async () => {
    const store = openStore({ path: db, readonly: true });
    const report = await runAudit({ store, reader: createChainReader({ publicClient, contracts }) });
    store.close();
    assert.equal(report.differences, 0, JSON.stringify(report.streams.map((s) => s.differences)));
    assert.equal(report.ok, true);
    const byId = new Map(report.streams.map((s) => [s.streamId, s]));
    assert.deepEqual([byId.get(streams.settled)!.chainStatus, byId.get(streams.settled)!.settled, byId.get(streams.settled)!.paidChain], ["settled", 1750n, 1750n]);
    assert.equal(byId.get(streams.cancelled)!.chainStatus, "cancelled");
    assert.equal(byId.get(streams.open)!.notes[0], "400 wei metered, not settled yet");
    assert.deepEqual(report.skipped, [999n]);
    assert.deepEqual([report.providers[0]!.completedJobsChain, report.providers[0]!.totalEarnedChain], [1n, 1750n]);
  });

  test("the commands exit 0 on a consistent log", () => {
    const audit = claw("audit", "--db", db, ...chainFlags(), "--json");
    assert.equal(audit.status, 0, audit.stderr + audit.stdout);
    assert.equal(JSON.parse(audit.stdout).ok, true);
    const text = claw("audit", "--db", db, ...chainFlags());
    assert.match(text.stdout, /ok: 3 streams reconcile to the wei/);
    assert.equal(claw("log", "verify", "--db", db).status, 0);
    const replay = claw("replay", "--db", db, "--json");
    assert.equal(JSON.parse(replay.stdout).earnings.total.earned, "2150");
  });

  test("a metered job that was never charged makes the audit fail, naming the stream and the wei", () => {
    const store = openStore({ path: db });
    store.append(ev.jobCompleted({ jobId: "late", streamId: streams.settled, meteredMs: 100n, cost: 100n, tokens: {} }));
    store.close();
    const audit = claw("audit", "--db", db, ...chainFlags());
    assert.equal(audit.status, 1, audit.stderr);
    assert.match(audit.stdout, new RegExp(`DIFF stream ${streams.settled}: settled 1750 but metered 1850 .*left 100 wei unpaid`));
    assert.match(audit.stdout, /FAILED: 1 difference/);
  });

  test("no chain to read is a clear error with its own exit code", () => {
    const audit = claw("audit", "--db", db, "--rpc", "http://127.0.0.1:9", "--registry", contracts.registry, "--stream-pay", contracts.streamPay);
    assert.equal(audit.status, 5, audit.stderr);
    assert.match(audit.stderr, /CHAIN_UNAVAILABLE.*cannot be reached/);
  });
});
