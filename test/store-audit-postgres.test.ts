/**
 * `claw audit` on a PostgreSQL log against a real chain (anvil, the real contracts): the same events
 * written through the async store into PostgreSQL and into a SQLite file audit identically (exit 0,
 * same report but for the log's name); a metered job never charged, appended to the PostgreSQL log,
 * makes the PostgreSQL audit fail naming the stream and the wei. Skips without a PostgreSQL server
 * (fails under CI=true: runtime/store/testing/postgres.ts).
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
import { createReadClient } from "../runtime/chain/client.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";
import { decodeLogs, logToEvent } from "../runtime/chain/log-to-event.ts";
import * as ev from "../runtime/core/events.ts";
import { openAsyncStore } from "../runtime/store/async-open.ts";
import { freshDatabase, postgresSkip } from "../runtime/store/testing/postgres.ts";

const cli = resolve(import.meta.dirname, "../runtime/cli/bin.mjs");
const PRICE = 1000n;
const skip = postgresSkip();
// At the top level: freshDatabase() drops its database after the test file.
const url = skip ? "" : await freshDatabase();

describe("claw audit on a PostgreSQL log against a real chain", { skip, timeout: 180_000 }, () => {
  let anvil: Anvil;
  let dir: string;
  let db: string;
  let contracts: { registry: Address; streamPay: Address };
  const streams = { settled: 0n, open: 0n };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "claw-audit-pg-"));
    db = join(dir, "events.db");
    anvil = await startAnvil();
    const [deployerKey, providerKey, consumerKey] = anvil.accounts.map((a) => a.privateKey);
    const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
    const transport = http(anvil.rpcUrl);
    const publicClient = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background" });
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
      return parseEventLogs({ abi: streamPayAbi, logs: r.logs, eventName: "StreamCreated" })[0]!.args.streamId;
    };
    streams.settled = await open();
    streams.open = await open();
    await createTestClient({ chain, transport, mode: "anvil" }).increaseTime({ seconds: 30 });
    await mined(await provider.writeContract({ address: contracts.streamPay, abi: streamPayAbi, functionName: "settle", args: [streams.settled, 1750n] }));

    // The log as the runtime writes it (the watcher's mapping of the chain's logs, then metered jobs), into both stores.
    const logs = decodeLogs(await publicClient.getLogs({ address: [contracts.streamPay, contracts.registry], fromBlock: 0n }))
      .sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : Number(a.blockNumber - b.blockNumber)));
    const job = (streamId: bigint, jobId: string, nonce: bigint, cost: bigint) => [
      ev.jobAccepted({ jobId, streamId, offering: "echo-1", providerId: 1n, nonce, bodyHash: "0x", signer: consumer.account.address,
        pricePerSecond: PRICE, task: "chat" }),
      ev.jobStarted({ jobId, streamId, queuedMs: 0 }),
      ev.jobCompleted({ jobId, streamId, meteredMs: cost, cost, tokens: {} }),
    ];
    const events = [...logs.map((l) => logToEvent(l)).filter((e): e is ev.NewEvent => e !== null),
      ...job(streams.settled, "a", 1n, 1500n), ...job(streams.settled, "b", 2n, 250n), ...job(streams.open, "c", 1n, 400n)]
      .map((e, i) => ({ ...e, time: 1_760_000_000_000 + i * 1000 })); // fixed times: both drivers must reach one chain head
    for (const where of [{ url }, { path: db }]) {
      const store = await openAsyncStore(where);
      try { await store.append(events); } finally { await store.close(); }
    }
  });

  after(async () => {
    await anvil?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const claw = (...args: string[]) => spawnSync(process.execPath, [cli, ...args],
    { cwd: dir, encoding: "utf8", env: { ...process.env, CLAW_DEV_INFO: join(dir, "none.json"), CLAW_STORE_URL: "", CLAW_DB: "" } });
  const chainFlags = () => ["--rpc", anvil.rpcUrl, "--registry", contracts.registry, "--stream-pay", contracts.streamPay];

  test("the PostgreSQL log reconciles to the wei, exactly as the same log in SQLite does", () => {
    const pg = claw("audit", "--store-url", url, ...chainFlags(), "--json");
    const sqlite = claw("audit", "--db", db, ...chainFlags(), "--json");
    assert.equal(pg.status, 0, pg.stderr + pg.stdout);
    assert.equal(sqlite.status, 0, sqlite.stderr + sqlite.stdout);
    const [a, b] = [JSON.parse(pg.stdout), JSON.parse(sqlite.stdout)];
    assert.equal(a.ok, true);
    assert.match(a.log.path, /^postgres:\/\/.*:\*\*\*@/);
    assert.deepEqual({ ...a, log: { ...a.log, path: "" } }, { ...b, log: { ...b.log, path: "" } });
    const settled = a.streams.find((s: { streamId: string }) => s.streamId === String(streams.settled));
    assert.deepEqual([settled.chainStatus, settled.settled, settled.paidChain], ["settled", "1750", "1750"]);
    assert.match(claw("audit", "--store-url", url, ...chainFlags()).stdout, /ok: 2 streams reconcile to the wei/);
  });

  test("a metered job never charged, in the PostgreSQL log: the audit fails naming the stream and the wei", async () => {
    const store = await openAsyncStore({ url });
    try {
      await store.append(ev.jobCompleted({ jobId: "late", streamId: streams.settled, meteredMs: 100n, cost: 100n, tokens: {} }));
    } finally { await store.close(); }
    const audit = claw("audit", "--store-url", url, ...chainFlags());
    assert.equal(audit.status, 1, audit.stderr);
    assert.match(audit.stdout, new RegExp(`DIFF stream ${streams.settled}: settled 1750 but metered 1850 .*left 100 wei unpaid`));
    assert.match(audit.stdout, /FAILED: 1 difference/);
    assert.equal(claw("audit", "--db", db, ...chainFlags()).status, 0, "the SQLite log, without that event, still reconciles");
  });
});
