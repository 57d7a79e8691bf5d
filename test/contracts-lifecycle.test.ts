/**
 * The whole on-chain life cycle against a real anvil with the committed bytecode and ABIs:
 * register, create (id returned and in the event), two streams between the same pair, withdraw,
 * settle (balances exact to the wei, completion recorded, only StreamPay may record), cancel,
 * a keeper batch with its fee, and a reverting receiver that cannot block the other party.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  createPublicClient, createTestClient, createWalletClient, http, parseEventLogs, type Address, type Hash, type Hex, type PublicClient, type TransactionReceipt,
} from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { computeRegistryAbi, streamPayAbi } from "../contracts/generated/abi.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";

/** Init code of a contract whose runtime code is PUSH1 0 PUSH1 0 REVERT: it refuses every call and all coin. */
const REVERTER_INITCODE: Hex = "0x6005600c60003960056000f360006000fd";
const ACTIVE = 1, SETTLED = 2, CANCELLED = 3, DEPLETED = 4;

describe("contracts life cycle on anvil", () => {
  let anvil: Anvil;
  let pub: PublicClient;
  let testClient: ReturnType<typeof createTestClient>;
  let registry: Address;
  let streamPay: Address;
  let provider: PrivateKeyAccount, consumer: PrivateKeyAccount, keeper: PrivateKeyAccount, other: PrivateKeyAccount;
  let wallet: (a: PrivateKeyAccount) => ReturnType<typeof createWalletClient>;
  let now: bigint;

  before(async () => {
    anvil = await startAnvil();
    const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
    const transport = http(anvil.rpcUrl);
    pub = createPublicClient({ chain, transport }) as PublicClient;
    testClient = createTestClient({ chain, transport, mode: "anvil" });
    const keys = anvil.accounts.map((a) => privateKeyToAccount(a.privateKey));
    [, provider, consumer, keeper, other] = keys as [PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount, PrivateKeyAccount];
    wallet = (account) => createWalletClient({ account, chain, transport });
    ({ registry, streamPay } = await deployContracts({ walletClient: wallet(keys[0]!), publicClient: pub }));
    now = (await pub.getBlock()).timestamp;
  });
  after(async () => {
    await anvil?.stop();
  });

  /** Sends at an exact timestamp and returns the successful receipt. */
  async function at(t: bigint, send: () => Promise<Hash>): Promise<TransactionReceipt> {
    await testClient.setNextBlockTimestamp({ timestamp: t });
    const receipt = await pub.waitForTransactionReceipt({ hash: await send() });
    assert.equal(receipt.status, "success");
    return receipt;
  }
  const fee = (r: TransactionReceipt) => r.gasUsed * r.effectiveGasPrice;
  const balance = (a: Address) => pub.getBalance({ address: a });
  const getStream = (id: bigint) => pub.readContract({ address: streamPay, abi: streamPayAbi, functionName: "getStream", args: [id] });
  const sp = (a: PrivateKeyAccount, functionName: "withdrawFromStream" | "cancelStream", id: bigint) => () =>
    wallet(a).writeContract({ address: streamPay, abi: streamPayAbi, functionName, args: [id], chain: null, account: a });
  const open = (recipient: Address, providerId: bigint, deposit: bigint, duration: bigint) => () =>
    wallet(consumer).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "createStream", args: [recipient, duration, 0, providerId], value: deposit, chain: null, account: consumer });

  test("register, two streams, withdraw, settle, cancel, batch, reverting receiver", async () => {
    // --- register
    const reg = await at(now + 10n, () => wallet(provider).writeContract({
      address: registry, abi: computeRegistryAbi, functionName: "registerProvider", args: ["echo-1", 1_000n, "http://127.0.0.1:8787", 0], chain: null, account: provider,
    }));
    const [registered] = parseEventLogs({ abi: computeRegistryAbi, logs: reg.logs, eventName: "ProviderRegistered" });
    assert.equal(registered?.args.providerId, 1n);
    assert.equal(registered?.args.wallet, provider.address);
    assert.equal(registered?.args.model, "echo-1");
    const pid = 1n;
    const cheapest = await pub.readContract({ address: registry, abi: computeRegistryAbi, functionName: "getCheapestProvider", args: ["echo-1", 0n, 100n] });
    assert.deepEqual(cheapest, [1n, 1_000n, 0n]);

    // --- two streams between the same pair; ids come back in the event
    const t0 = now + 100n;
    const c1 = await at(t0, open(provider.address, pid, 1_000_003n, 1_000n));
    const c2 = await at(t0 + 1n, open(provider.address, pid, 5_000_000n, 1_000n));
    const [e1] = parseEventLogs({ abi: streamPayAbi, logs: c1.logs, eventName: "StreamCreated" });
    const [e2] = parseEventLogs({ abi: streamPayAbi, logs: c2.logs, eventName: "StreamCreated" });
    assert.deepEqual([e1?.args.streamId, e2?.args.streamId], [1n, 2n]);
    assert.equal(e1?.args.sender, consumer.address);
    assert.equal(e1?.args.recipient, provider.address);
    assert.equal(e1?.args.deposit, 1_000_003n);
    assert.equal(e1?.args.startTime, t0);
    assert.equal(e2?.args.duration, 1_000n);
    assert.equal((await getStream(1n)).status, ACTIVE);

    // --- withdraw from stream 1 at t0 + 250: floor(1_000_003 * 250 / 1000)
    const p0 = await balance(provider.address);
    const w = await at(t0 + 250n, sp(provider, "withdrawFromStream", 1n));
    const [we] = parseEventLogs({ abi: streamPayAbi, logs: w.logs, eventName: "StreamWithdrawn" });
    assert.equal(we?.args.amount, 250_000n);
    assert.equal(await balance(provider.address), p0 + 250_000n - fee(w));

    // --- settle stream 1 at t0 + 400 for a metered 300_001 (<= streamed 400_001)
    const pBefore = await balance(provider.address);
    const cBefore = await balance(consumer.address);
    const s = await at(t0 + 400n, () => wallet(provider).writeContract({
      address: streamPay, abi: streamPayAbi, functionName: "settle", args: [1n, 300_001n], chain: null, account: provider,
    }));
    const [se] = parseEventLogs({ abi: streamPayAbi, logs: s.logs, eventName: "StreamSettled" });
    assert.deepEqual([se?.args.earned, se?.args.paidNow, se?.args.refund], [300_001n, 50_001n, 700_002n]);
    const [cr] = parseEventLogs({ abi: computeRegistryAbi, logs: s.logs, eventName: "CompletionRecorded" });
    assert.deepEqual([cr?.args.providerId, cr?.args.streamId, cr?.args.earned, cr?.args.completedJobs, cr?.args.totalEarned], [1n, 1n, 300_001n, 1n, 300_001n]);
    assert.equal(await balance(provider.address), pBefore + 50_001n - fee(s));
    assert.equal(await balance(consumer.address), cBefore + 700_002n);
    const settled = await getStream(1n);
    assert.equal(settled.status, SETTLED);
    assert.equal(settled.withdrawn, 300_001n);
    const p = await pub.readContract({ address: registry, abi: computeRegistryAbi, functionName: "getProvider", args: [pid] });
    assert.equal(p.completedJobs, 1n);
    assert.equal(p.totalEarned, 300_001n);

    // --- only StreamPay may record a completion
    await assert.rejects(
      pub.simulateContract({ address: registry, abi: computeRegistryAbi, functionName: "recordCompletion", args: [pid, 9n, provider.address, 10n ** 18n], account: provider }),
      /NotStreamPay/,
    );

    // --- cancel stream 2 by the consumer at t0 + 501: floor(5e6 * 500 / 1000) to the provider
    const pc = await balance(provider.address);
    const cc = await balance(consumer.address);
    const c = await at(t0 + 501n, sp(consumer, "cancelStream", 2n));
    const [ce] = parseEventLogs({ abi: streamPayAbi, logs: c.logs, eventName: "StreamCancelled" });
    assert.deepEqual([ce?.args.by, ce?.args.recipientAmount, ce?.args.senderRefund], [consumer.address, 2_500_000n, 2_500_000n]);
    assert.equal(await balance(provider.address), pc + 2_500_000n);
    assert.equal(await balance(consumer.address), cc + 2_500_000n - fee(c));
    assert.equal((await getStream(2n)).status, CANCELLED);

    // --- keeper batch after the grace period: one expired stream, one live, one unknown, one closed
    const grace = await pub.readContract({ address: streamPay, abi: streamPayAbi, functionName: "KEEPER_GRACE" });
    const b1 = await at(t0 + 600n, open(provider.address, pid, 123_456_789n, 10n)); // id 3, ends t0+610
    const b2 = await at(t0 + 601n, open(other.address, 0n, 1_000n, 10_000_000n)); // id 4, live
    assert.ok(b1 && b2);
    const kp = await balance(keeper.address);
    const pp = await balance(provider.address);
    const batch = await at(t0 + 610n + grace, () => wallet(keeper).writeContract({
      address: streamPay, abi: streamPayAbi, functionName: "batchUpdateStreams", args: [[3n, 4n, 99n, 1n]], chain: null, account: keeper,
    }));
    const updates = parseEventLogs({ abi: streamPayAbi, logs: batch.logs, eventName: "StreamBatchUpdated" });
    assert.equal(updates.length, 1);
    assert.deepEqual([updates[0]?.args.streamId, updates[0]?.args.keeper, updates[0]?.args.recipientAmount, updates[0]?.args.senderRefund, updates[0]?.args.keeperFee],
      [3n, keeper.address, 123_456_789n - 123_456n, 0n, 123_456n]);
    assert.equal(await balance(keeper.address), kp + 123_456n - fee(batch));
    assert.equal(await balance(provider.address), pp + 123_456_789n - 123_456n);
    assert.equal((await getStream(3n)).status, DEPLETED);
    assert.equal((await getStream(4n)).status, ACTIVE);
    assert.equal(await balance(streamPay), 1_000n, "only the live stream is held");

    // --- a receiver that reverts cannot block the sender's cancel; its share waits as a claim
    const deploy = await pub.waitForTransactionReceipt({ hash: await wallet(other).deployContract({ abi: [], bytecode: REVERTER_INITCODE, chain: null, account: other }) });
    const reverter = deploy.contractAddress as Address;
    await at(t0 + grace + 800n, open(reverter, 0n, 10_000n, 100n)); // id 5
    const cb = await balance(consumer.address);
    const rc = await at(t0 + grace + 830n, sp(consumer, "cancelStream", 5n));
    const [deferred] = parseEventLogs({ abi: streamPayAbi, logs: rc.logs, eventName: "PaymentDeferred" });
    assert.deepEqual([deferred?.args.streamId, deferred?.args.to?.toLowerCase(), deferred?.args.amount], [5n, reverter.toLowerCase(), 3_000n]);
    assert.equal(await balance(consumer.address), cb + 7_000n - fee(rc));
    assert.equal(await pub.readContract({ address: streamPay, abi: streamPayAbi, functionName: "claimable", args: [reverter] }), 3_000n);
    assert.equal(await balance(streamPay), 1_000n + 3_000n, "live stream + deferred claim, nothing else");
  });
});
