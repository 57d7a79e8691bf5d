/**
 * The runtime under Deno 2, end to end: anvil and the contracts come from this (Node) process, the
 * provider runtime runs in a Deno child started with deno.json's `provider` task flags (offline: a
 * fresh DENO_DIR, a dead npm registry). A consumer pays for one echo request with a signed header,
 * the stream settles (idleSeconds 1), and then `claw audit` reconciles the log Deno wrote with the
 * chain — on Node (better-sqlite3 reading a node:sqlite-written file) and on Deno.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createPublicClient, createWalletClient, http, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";
import { createSessionSigner } from "../runtime/client/payment-signer.ts";
import { paymentDomain } from "../runtime/core/payment.ts";
import { denoBinary, denoTaskArgv, offlineDenoEnv, repoRoot, startDeno, type DenoChild } from "./support/deno.ts";

const price = 1_000_000n; // wei per second
const dir = mkdtempSync(join(tmpdir(), "claw-deno-smoke-"));
const storePath = join(dir, "events.db");
let anvil: Anvil;
let deno: DenoChild | undefined;
let denoEnv: Record<string, string>;

before(async () => {
  anvil = await startAnvil();
});
after(async () => {
  await deno?.stop(2_000);
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
  if (denoEnv?.DENO_DIR) rmSync(denoEnv.DENO_DIR, { recursive: true, force: true });
});

/** `claw audit --json` on the log, under Node (tsx) or Deno; returns the exit code and the report. */
function audit(runtime: "node" | "deno", contracts: { registry: Address; streamPay: Address }) {
  const args = ["audit", "--db", storePath, "--rpc", anvil.rpcUrl, "--registry", contracts.registry, "--stream-pay", contracts.streamPay, "--json"];
  const run = runtime === "node"
    ? spawnSync(process.execPath, [join(repoRoot, "runtime/cli/bin.mjs"), ...args], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: dir, CLAW_DEV_INFO: join(dir, "none.json") } })
    : spawnSync(denoBinary, [...denoTaskArgv("claw"), ...args], { cwd: repoRoot, encoding: "utf8", env: { ...denoEnv, CLAW_DEV_INFO: join(dir, "none.json") } });
  return { status: run.status, stderr: run.stderr, report: run.stdout ? (JSON.parse(run.stdout) as AuditJson) : undefined };
}
type AuditJson = { ok: boolean; differences: number; log: { events: number; verify: { ok: boolean } }; streams: Array<{ streamId: string; logStatus: string; chainStatus: string; settled: string | null; metered: string }>; providers: Array<{ totalEarnedChain: string | null }> };

test("under Deno the runtime serves a paid request, settles it, and claw audit reconciles its node:sqlite log", { timeout: 90_000 }, async () => {
  const chain = { id: anvil.chainId, name: "anvil", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [anvil.rpcUrl] } } } as const;
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const [deployerKey, providerKey, consumerKey] = anvil.accounts.map((a) => a.privateKey as Hex);
  const deployed = await deployContracts({ walletClient: createWalletClient({ account: privateKeyToAccount(deployerKey!), chain, transport }), publicClient });
  const contracts = { registry: deployed.registry, streamPay: deployed.streamPay };

  const configFile = join(dir, "claw.config.ts");
  writeFileSync(configFile, `export default ${JSON.stringify({
    chain: { preset: "local", rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts, confirmations: 1, pollIntervalMs: 100 },
    server: { host: "127.0.0.1", port: 0 },
    store: { path: storePath },
    settlement: { idleSeconds: 1, minJobMs: 100 },
    offerings: [{ model: "echo-1", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: String(price) }],
    log: { level: "info", pretty: false },
  }, null, 2)};\n`);

  denoEnv = offlineDenoEnv();
  deno = startDeno([...denoTaskArgv("provider"), "-c", configFile], { ...denoEnv, PRIVATE_KEY: providerKey! });
  const started = await deno.waitFor((l) => l.msg === "provider runtime started", 40_000, "the Deno runtime to start");
  assert.equal(started.storeDriver, "node:sqlite", "under Deno the auto driver is node:sqlite");
  assert.equal(started.store, storePath);
  const registered = await deno.waitFor((l) => l.msg === "offering registered", 1_000, "the offering registration");
  const providerId = BigInt(String(registered.providerId));
  const url = String(started.url);

  const consumer = privateKeyToAccount(consumerKey!);
  const deposit = price * 600n;
  const hash = await createWalletClient({ account: consumer, chain, transport }).writeContract({
    address: contracts.streamPay, abi: streamPayAbi, functionName: "createStream",
    args: [privateKeyToAccount(providerKey!).address, 600n, 0, providerId], value: deposit,
  });
  const [created] = parseEventLogs({ abi: streamPayAbi, logs: (await publicClient.waitForTransactionReceipt({ hash })).logs, eventName: "StreamCreated" });
  const streamId = created!.args.streamId as bigint;

  const unpaid = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "echo-1", messages: [{ role: "user", content: "x" }] }) });
  assert.equal(unpaid.status, 402, "no payment header: refused");
  const signer = await createSessionSigner({ account: consumer, domain: paymentDomain(anvil.chainId, contracts.streamPay), streamId });
  const body = JSON.stringify({ model: "echo-1", messages: [{ role: "user", content: "hello from deno" }] });
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json", ...(await signer.headers(body, { path: "/v1/chat/completions" })) } });
  assert.equal(res.status, 200, await res.clone().text());
  const answer = (await res.json()) as { choices: Array<{ message: { content: string } }>; claw: { cost: string; meteredMs: number } };
  assert.equal(answer.choices[0]!.message.content, "hello from deno");
  const first = BigInt(answer.claw.cost);
  assert.equal(first, (BigInt(answer.claw.meteredMs) * price) / 1000n);

  // The MAC session (x25519 key agreement) the SDK uses when the quote offers it: node:crypto's X25519,
  // HKDF and HMAC under Deno must give what the Node client computed.
  const quote = (await (await fetch(`${url}/v1/quote?model=echo-1`)).json()) as { recipient: Address; payment: { keyAgreement?: { x25519: string; signature: Hex } } };
  assert.ok(quote.payment.keyAgreement, "the Deno runtime offers a key agreement");
  const macSigner = await createSessionSigner({ account: consumer, domain: paymentDomain(anvil.chainId, contracts.streamPay), streamId, keyAgreement: quote.payment.keyAgreement, recipient: quote.recipient });
  const macHeaders = await macSigner.headers(body, { path: "/v1/chat/completions" });
  assert.match(macHeaders["x-claw-session"] ?? "", /^x25519\./);
  const second = await fetch(`${url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json", ...macHeaders } });
  assert.equal(second.status, 200, await second.clone().text());
  const cost = first + BigInt(((await second.json()) as { claw: { cost: string } }).claw.cost);

  const settled = await deno.waitFor((l) => l.msg === "stream settled" && l.streamId === String(streamId), 30_000, "the settlement");
  assert.equal(BigInt(String(settled.amount)), cost, "the provider settled exactly what it metered");
  for (let i = 0; ; i++) { // the watcher records StreamSettled once the chain confirms it
    const view = (await (await fetch(`${url}/v1/streams/${streamId}`)).json()) as { status: string };
    if (view.status === "settled") break;
    assert.ok(i < 200, `stream ${streamId} still ${view.status} in the Deno runtime's log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await deno.stop(), 0, `graceful shutdown under Deno; stderr: ${deno.stderr()}`);

  for (const runtime of ["node", "deno"] as const) {
    const { status, stderr, report } = audit(runtime, contracts);
    assert.equal(status, 0, `claw audit on ${runtime} exits 0; stderr: ${stderr}`);
    assert.equal(report?.ok, true);
    assert.equal(report.log.verify.ok, true, "hash chain intact");
    assert.equal(report.differences, 0);
    const stream = report.streams.find((s) => s.streamId === String(streamId));
    assert.deepEqual([stream?.logStatus, stream?.chainStatus, stream?.settled, stream?.metered], ["settled", "settled", String(cost), String(cost)]);
    assert.equal(report.providers[0]?.totalEarnedChain, String(cost));
  }
  assert.deepEqual(readdirSync(join(denoEnv.DENO_DIR!, "npm")), [], "Deno downloaded no npm package");
});
