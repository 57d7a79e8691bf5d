/**
 * `npm run bench:gas`: receipt gasUsed of every ComputeRegistry / StreamPay write, measured on a
 * real anvil with the committed bytecode, printed as a table and written to bench/results/gas.json
 * with the issue's targets and the seed's figures beside each row.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, platform, release, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, type Address, type Hash, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { computeRegistryAbi, streamPayAbi } from "../contracts/generated/abi.ts";
import { anvilBinary, startAnvil } from "../runtime/chain/anvil.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";

type Row = { operation: string; case: string; gasUsed: number; target: number | null; seed: string | null };

const here = dirname(fileURLToPath(import.meta.url));
const MODEL = "llama-3.3-70b-versatile"; // 23 bytes
const SHORT_ENDPOINT = "http://127.0.0.1:8787/v1"; // 24 bytes: one storage slot
const LONG_ENDPOINT = "https://clawcompute-mixtral.onrender.com/inference"; // 50 bytes: three slots

const anvil = await startAnvil();
try {
  const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain, transport }) as PublicClient;
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
  const [deployer, provider1, provider2, consumer, keeper, provider3] = anvil.accounts.map((a) => privateKeyToAccount(a.privateKey as Hex));
  if (!deployer || !provider1 || !provider2 || !consumer || !keeper || !provider3) throw new Error("anvil gave too few accounts");
  const wallet = (account: typeof deployer) => createWalletClient({ account, chain, transport });
  const { registry, streamPay } = await deployContracts({ walletClient: wallet(deployer), publicClient });

  const rows: Row[] = [];
  async function gas(hash: Hash): Promise<number> {
    const r = await publicClient.waitForTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return Number(r.gasUsed);
  }
  async function measure(operation: string, c: string, target: number | null, seed: string | null, send: () => Promise<Hash>): Promise<number> {
    const gasUsed = await gas(await send());
    rows.push({ operation, case: c, gasUsed, target, seed });
    return gasUsed;
  }
  const register = (who: typeof deployer, model: string, endpoint: string) => () =>
    wallet(who).writeContract({ address: registry, abi: computeRegistryAbi, functionName: "registerProvider", args: [model, 1_000_000_000n, endpoint, 0] });
  const create = (recipient: Address, providerId: bigint, duration = 3600n, value = parseEther("1")) => () =>
    wallet(consumer).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "createStream", args: [recipient, duration, 0, providerId], value });
  let nextId = 1n;
  async function openStream(recipient: Address, providerId: bigint, duration = 3600n): Promise<bigint> {
    await gas(await create(recipient, providerId, duration)());
    return nextId++;
  }
  async function advance(seconds: number): Promise<void> {
    await testClient.increaseTime({ seconds });
    await testClient.mine({ blocks: 1 });
  }

  await measure("registerProvider", `first provider of a model (${MODEL.length}-byte model, ${SHORT_ENDPOINT.length}-byte endpoint)`, 150_000, "354,279", register(provider1, MODEL, SHORT_ENDPOINT));
  await measure("registerProvider", "same wallet, another new model (18 bytes)", 150_000, "354,279", register(provider1, "mixtral-8x7b-32768", SHORT_ENDPOINT));
  await measure("registerProvider", "known model (another wallet)", 150_000, "354,279", register(provider2, MODEL, SHORT_ENDPOINT));
  await measure("registerProvider", `known model, ${LONG_ENDPOINT.length}-byte endpoint (3 slots instead of 1)`, 150_000, "354,279", register(provider3, MODEL, LONG_ENDPOINT));

  await measure("createStream", "very first stream of the contract", 80_000, "383,809-466,509", create(provider1.address, 1n));
  nextId++;
  await measure("createStream", "provider stream (providerId != 0)", 80_000, "383,809-466,509", create(provider1.address, 1n));
  const s2 = nextId++;
  await measure("createStream", "plain stream (providerId = 0)", 80_000, "383,809-466,509", create(provider2.address, 0n));
  nextId++;

  await advance(600);
  await measure("withdrawFromStream", "mid-stream, by the recipient", 45_000, "103,031", () =>
    wallet(provider1).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "withdrawFromStream", args: [s2] }));

  const sCancel = await openStream(provider1.address, 1n);
  await advance(600);
  await measure("cancelStream", "mid-stream by the sender: both parties paid", 50_000, "97,595", () =>
    wallet(consumer).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [sCancel] }));
  const sCancel2 = await openStream(provider1.address, 1n);
  await advance(600);
  await measure("cancelStream", "mid-stream by the recipient", 50_000, "97,595", () =>
    wallet(provider1).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [sCancel2] }));

  const sSettle = await openStream(provider1.address, 1n);
  await advance(600);
  await measure("settle", "provider stream: both paid + registry completion", 50_000, "n/a (new)", () =>
    wallet(provider1).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "settle", args: [sSettle, parseEther("0.1")] }));
  const sSettlePlain = await openStream(provider2.address, 0n);
  await advance(600);
  await measure("settle", "plain stream (no registry call)", 50_000, "n/a (new)", () =>
    wallet(provider2).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "settle", args: [sSettlePlain, parseEther("0.1")] }));

  const grace = Number(await publicClient.readContract({ address: streamPay, abi: streamPayAbi, functionName: "KEEPER_GRACE" }));
  for (const n of [1, 10]) {
    const ids: bigint[] = [];
    for (let i = 0; i < n; i++) ids.push(await openStream(i % 2 === 0 ? provider1.address : provider2.address, i % 2 === 0 ? 1n : 0n, 60n));
    await advance(60 + grace);
    const total = await gas(await wallet(keeper).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "batchUpdateStreams", args: [ids] }));
    rows.push({ operation: "batchUpdateStreams", case: `third-party keeper after the grace period, ${n} expired stream(s), total ${total.toLocaleString("en-US")}: per stream`, gasUsed: Math.round(total / n), target: null, seed: "n/a (seed's did not pay out)" });
  }
  {
    const id = await openStream(provider1.address, 1n, 60n);
    await advance(120);
    await measure("batchUpdateStreams", "1 expired stream within the grace period, by its sender (no fee)", null, "n/a (new)", () =>
      wallet(consumer).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "batchUpdateStreams", args: [[id]] }));
  }

  // claimFor: a receiver whose receive() writes two fresh slots (44,200 gas > PUSH_GAS): the
  // cancel's push to it is deferred, then anyone pushes the credit with full gas.
  const receiverInit = "0x6009600c60003960096000f3346000554260015500" as Hex; // runtime: sstore(0, callvalue) sstore(1, timestamp)
  const deployHash = await wallet(keeper).deployContract({ abi: [], bytecode: receiverInit });
  const expensive = (await publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress as Address;
  const sDeferred = await openStream(expensive, 0n);
  await advance(600);
  await gas(await wallet(consumer).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "cancelStream", args: [sDeferred] }));
  await measure("claimFor", "push a deferred credit to a contract that needs more than 30,000 gas", null, "n/a (new)", () =>
    wallet(keeper).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "claimFor", args: [expensive] }));
  await measure("retireProvider", "head of its model's list (bond 0 on anvil)", null, "n/a (new)", () =>
    wallet(provider3).writeContract({ address: registry, abi: computeRegistryAbi, functionName: "retireProvider", args: [4n, 0n] }));

  // Ratings (issue 22): the sender of a closed provider stream rates it. The first rating of a
  // provider fills its two reputation slots; later ones change them.
  const rate = (streamId: bigint, score: number) => () =>
    wallet(consumer).writeContract({ address: registry, abi: computeRegistryAbi, functionName: "rateStream", args: [streamId, score, 350, 45, 0, `0x${"ab".repeat(32)}`] });
  await measure("rateStream", "first rating of a provider (settled stream; its reputation slots were filled at registration)", 60_000, "n/a (new)", rate(sSettle, 90));
  await measure("rateStream", "later rating of the same provider (cancelled stream)", 60_000, "n/a (new)", rate(sCancel, 70));

  // The cheapest wash, receipt by receipt: the provider funds a second address of its own, which opens
  // a 1-second provider stream to it; the provider settles it in full; the second address rates it.
  {
    const sock = provider3;
    const cycled = parseEther("1");
    const g0 = await gas(await wallet(provider1).sendTransaction({ to: sock.address, value: cycled }));
    const g1 = await gas(await wallet(sock).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "createStream", args: [provider1.address, 1n, 0, 1n], value: cycled }));
    const washId = nextId++;
    await advance(1);
    const g2 = await gas(await wallet(provider1).writeContract({ address: streamPay, abi: streamPayAbi, functionName: "settle", args: [washId, cycled] }));
    const g3 = await gas(await wallet(sock).writeContract({ address: registry, abi: computeRegistryAbi, functionName: "rateStream", args: [washId, 100, 50, 200, 0, `0x${"00".repeat(32)}`] }));
    rows.push({ operation: "wash (self-dealt rating)", case: `fund a second address ${g0.toLocaleString("en-US")} + createStream ${g1.toLocaleString("en-US")} + settle ${g2.toLocaleString("en-US")} + rateStream ${g3.toLocaleString("en-US")}; the 1 coin cycled comes back`, gasUsed: g0 + g1 + g2 + g3, target: null, seed: "v2: 74,654 per fake job (no ratings)" });
  }

  // Churn with a bond (issue 22): a registry with a 0.01-coin bond; retire locks it for the cooldown, claimBond pays it.
  {
    const bonded = await deployContracts({ walletClient: wallet(deployer), publicClient, registrationBond: parseEther("0.01") });
    const reg = async (who: typeof deployer) => gas(await wallet(who).writeContract({ address: bonded.registry, abi: computeRegistryAbi, functionName: "registerProvider", args: [MODEL, 1_000_000_000n, SHORT_ENDPOINT, 0], value: parseEther("0.01") }));
    await reg(provider1);
    await reg(provider2);
    for (let i = 0; i < 20; i++) await reg(keeper); // 20 entries registered in front of provider 2's
    await measure("retireProvider", "bond 0.01: 21 entries in front, stale hint 0 (walks from the head), bond locked for the cooldown", null, "n/a (new)", () =>
      wallet(provider2).writeContract({ address: bonded.registry, abi: computeRegistryAbi, functionName: "retireProvider", args: [2n, 0n] }));
    await measure("retireProvider", "bond 0.01, exact hint (the entry before it)", null, "n/a (new)", () =>
      wallet(provider1).writeContract({ address: bonded.registry, abi: computeRegistryAbi, functionName: "retireProvider", args: [1n, 3n] }));
    const cooldown = Number(await publicClient.readContract({ address: bonded.registry, abi: computeRegistryAbi, functionName: "BOND_COOLDOWN" }));
    await advance(cooldown);
    await measure("claimBond", "after the cooldown, paid to an EOA", null, "n/a (new)", () =>
      wallet(keeper).writeContract({ address: bonded.registry, abi: computeRegistryAbi, functionName: "claimBond", args: [2n] }));
  }

  const anvilVersion = execFileSync(anvilBinary(), ["--version"]).toString().trim().split("\n")[0] ?? "unknown";
  const hardhatConfig = readFileSync(resolve(here, "../contracts/hardhat.config.ts"), "utf8");
  const result = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), os: `${platform()} ${release()}`, node: process.version },
    chain: { node: anvilVersion, chainId: anvil.chainId },
    compiler: { solc: "0.8.30", viaIR: /viaIR:\s*true/.test(hardhatConfig), optimizerRuns: Number(/runs:\s*([\d_]+)/.exec(hardhatConfig)?.[1]?.replace(/_/g, "") ?? 0), evmVersion: "cancun" },
    note: "Receipt gasUsed (includes the 21,000 base and calldata). Targets from issues 2, 14 and 22 (rating write <= 60,000); seed figures and anchors (Sablier Lockup create 121,086 / withdraw 34,818 / cancel 56,651; Sablier Flow create 124,332 / withdraw 40,995; LlamaPay create 69,963) from shared/reference/anchors.md. See contracts/README.md for why each miss is where it is; the paged registry views' worst cases are measured by contracts/test/RegistrySpam.t.sol.",
    rows: rows.map((r) => ({ ...r, meetsTarget: r.target === null ? null : r.gasUsed <= r.target })),
  };
  mkdirSync(resolve(here, "results"), { recursive: true });
  writeFileSync(resolve(here, "results/gas.json"), `${JSON.stringify(result, null, 2)}\n`);

  const w = Math.max(...rows.map((r) => `${r.operation} — ${r.case}`.length));
  console.log(`${"operation — case".padEnd(w)}  ${"gasUsed".padStart(8)}  ${"target".padStart(8)}  seed`);
  for (const r of result.rows) {
    const mark = r.meetsTarget === null ? " " : r.meetsTarget ? "✓" : "✗";
    console.log(`${`${r.operation} — ${r.case}`.padEnd(w)}  ${r.gasUsed.toLocaleString("en-US").padStart(8)}  ${(r.target?.toLocaleString("en-US") ?? "-").padStart(8)} ${mark} ${r.seed ?? ""}`);
  }
  console.log(`\nwrote bench/results/gas.json (${result.machine.cpu}, ${result.chain.node})`);
} finally {
  await anvil.stop();
}
