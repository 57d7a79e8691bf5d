/**
 * `claw gateway` against hostile providers, on anvil with real provider runtimes (their wallets sign
 * real job receipts) — two of them reached only through a local proxy that misbehaves:
 *  - receipts of honest answers verify and are kept in the gateway's log (ReceiptKept);
 *  - an answer changed after its receipt was signed is a bad-receipt fault, the provider is avoided
 *    (the next request goes to the dearer honest one) and `status --json` shows its record;
 *  - `claw gateway audit` is clean while providers took nothing, then names the provider that settled
 *    more than it signed for (forced with its own key), exit 1; the honest provider stays clean; the
 *    gateway itself faults the overcharger when it closes that stream;
 *  - a 1 GB answer (JSON, then SSE) through a real `claw gateway` child process: the request ends with
 *    a clear error, the provider is faulted, and the child's peak RSS (VmHWM) stays under 300 MB.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createTestClient, http, type Hex } from "viem";
import pino from "pino";
import { parseConfig } from "../config/load.ts";
import type { ClawConfigInput } from "../config/schema.ts";
import { startAnvil, type Anvil } from "../runtime/chain/anvil.ts";
import { createChainClients, createReadClient } from "../runtime/chain/client.ts";
import { deployContracts } from "../runtime/chain/deploy.ts";
import { getStreamedAmount } from "../runtime/chain/actions/get-streamed-amount.ts";
import { settleStream } from "../runtime/chain/actions/settle-stream.ts";
import { startGateway, type GatewayStatus, type RunningGateway } from "../runtime/gateway/start.ts";
import { startProvider, type RunningProvider } from "../runtime/provider/start.ts";
import { cliBin, root } from "./consumer-support.ts";
import { startHostileProxy, type HostileProxy } from "./support/hostile-proxy.ts";
import { runProcess } from "./support/processes.ts";

const honestPrice = 2_000_000_000_000n;
const cheapPrice = 1_000_000_000_000n;

let anvil: Anvil;
let keys: Hex[];
let contracts: { registry: `0x${string}`; streamPay: `0x${string}` };
let dir: string;
let proxy: HostileProxy;
const running: RunningProvider[] = [];
let honest: RunningProvider;
let hostile: RunningProvider;
let overcharger: RunningProvider;
let gw: RunningGateway;
let gwDir: string;

async function provider(name: string, key: Hex, offerings: ClawConfigInput["offerings"], publicUrl?: string, fromBlock?: bigint): Promise<RunningProvider> {
  const config = parseConfig({
    offerings, server: { port: 0, ...(publicUrl ? { publicUrl } : {}) }, store: { path: join(dir, `${name}.db`) },
    // Providers never settle by themselves: every close here is the gateway's or the test's doing.
    settlement: { idleSeconds: 600, minJobMs: 100 }, chain: { preset: "local", pollIntervalMs: 100 }, log: { level: "silent" },
  });
  const p = await startProvider({
    config, root, env: { PRIVATE_KEY: key }, logger: pino({ level: "silent" }), graceMs: 2_000,
    chain: { rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, contracts, ...(fromBlock !== undefined ? { fromBlock } : {}) },
  });
  running.push(p);
  return p;
}

const echo = (model: string, pricePerSecond: bigint) => ({ model, backend: "echo", options: { tokensPerSecond: 200 }, pricePerSecond });
const idOf = (p: RunningProvider, model: string) => p.offerings.find((o) => o.model === model)!.providerId.toString();
const cliEnv = (key: Hex): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH, HOME: process.env.HOME, CLAW_RPC_URL: anvil.rpcUrl, PRIVATE_KEY: key,
  CLAW_REGISTRY: contracts.registry, CLAW_STREAM_PAY: contracts.streamPay, CLAW_DEV_INFO: join(dir, "no-dev.json"),
});

before(async () => {
  anvil = await startAnvil();
  keys = anvil.accounts.map((a) => a.privateKey as Hex);
  dir = mkdtempSync(join(tmpdir(), "claw-hostile-"));
  const deployer = createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: keys[0]! });
  const deployed = await deployContracts({ walletClient: deployer.walletClient, publicClient: deployer.publicClient });
  contracts = { registry: deployed.registry, streamPay: deployed.streamPay };
  proxy = await startHostileProxy();
  // Sequential: each runtime registers its offerings at start. The hostile one is the cheapest of echo-1.
  honest = await provider("honest", keys[1]!, [echo("echo-1", honestPrice)], undefined, deployed.blockNumber);
  hostile = await provider("hostile", keys[2]!, [echo("echo-1", cheapPrice), echo("echo-huge", cheapPrice), echo("echo-flood", cheapPrice)], proxy.url, deployed.blockNumber);
  proxy.target = hostile.url;
  proxy.modes.set("echo-1", "tamper");
  proxy.modes.set("echo-huge", "huge-json");
  proxy.modes.set("echo-flood", "huge-sse");
  overcharger = await provider("overcharger", keys[3]!, [echo("echo-2", cheapPrice)], undefined, deployed.blockNumber);
  gwDir = mkdtempSync(join(tmpdir(), "claw-gw-hostile-"));
  gw = await startGateway({ chain: { rpcUrl: anvil.rpcUrl, privateKey: keys[8]!, contracts, pollingIntervalMs: 50 }, stateDir: gwDir, port: 0 });
});

after(async () => {
  await gw?.close().catch(() => undefined);
  for (const p of running) await p.close().catch(() => undefined);
  await proxy?.close();
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function chat(url: string, key: string, model: string, content: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
  });
}

async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

function receiptsKept(): Array<{ providerId: bigint; streamId: bigint; cost: bigint; measuredTtftMs?: number }> {
  return gw.log.store.read({}).filter((e) => e.type === "ReceiptKept").map((e) => e.data as { providerId: bigint; streamId: bigint; cost: bigint; measuredTtftMs?: number });
}

describe("claw gateway against hostile providers", () => {
  test("an answer changed after its receipt was signed: bad-receipt fault, the provider avoided, honest receipts kept; status shows the record", async () => {
    const first = await chat(gw.url, gw.key, "echo-1", "tell me");
    assert.equal(first.status, 200);
    const firstJson = (await first.json()) as { choices: Array<{ message: { content: string } }> };
    assert.equal(firstJson.choices[0]!.message.content, "tell me (changed after signing)", "the cheapest provider (hostile) answered first");
    const hostileId = idOf(hostile, "echo-1");
    const record = await eventually(() => {
      const r = gw.status().providers[hostileId];
      return r && r.faultCount > 0 ? r : undefined;
    }, "the bad receipt to be recorded");
    assert.equal(record.faults["bad-receipt"], 1);
    assert.equal(record.lastFault?.kind, "bad-receipt");
    assert.match(record.lastFault!.detail, /outputHash/);
    assert.ok(record.avoidedUntil, "avoided for a while");
    assert.equal(record.answersWithReceipt, 0);

    // The next request skips the avoided provider although it is cheaper.
    const second = await chat(gw.url, gw.key, "echo-1", "again please");
    assert.equal(((await second.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content, "again please");
    const honestId = idOf(honest, "echo-1");
    // Streamed too: the receipt's output hash is over the relayed deltas.
    const streamed = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "echo-1", stream: true, messages: [{ role: "user", content: "streamed honestly" }] }),
    });
    assert.match(await streamed.text(), /"claw"/);
    const kept = await eventually(() => {
      const k = receiptsKept().filter((r) => r.providerId.toString() === honestId);
      return k.length > 1 ? k : undefined;
    }, "the honest receipts to be kept");
    assert.equal(kept.length, 2);
    assert.ok(kept[0]!.cost > 0n && typeof kept[0]!.measuredTtftMs === "number");
    assert.equal(receiptsKept().filter((r) => r.providerId.toString() === hostileId).length, 0, "a bad receipt is not kept");

    // The record through `claw gateway status --json` (reads the log, replays the faults).
    const cli = await runProcess(process.execPath, [cliBin, "gateway", "status", "--json", "--state-dir", gwDir], { env: cliEnv(keys[8]!), cwd: dir });
    assert.equal(cli.code, 0, cli.stderr);
    const st = JSON.parse(cli.stdout) as GatewayStatus;
    assert.equal(st.providers[hostileId]?.faults["bad-receipt"], 1);
    assert.equal(st.providers[hostileId]?.requests, 1);
    assert.equal(st.providers[honestId]?.requests, 2);
    assert.equal(st.providers[honestId]?.faultCount, 0);
    assert.equal(typeof st.providers[honestId]?.ttftP50Ms, "number");
    assert.equal(st.providers[honestId]?.answersWithReceipt, 2);
  });

  test("claw gateway audit: clean while providers took nothing; names the provider that settled more than it signed for (exit 1)", async () => {
    const res = await chat(gw.url, gw.key, "echo-2", "a small job");
    assert.equal(res.status, 200);
    await res.json();
    const overId = idOf(overcharger, "echo-2");
    await eventually(() => (receiptsKept().some((r) => r.providerId.toString() === overId) ? true : undefined), "the overcharger's receipt to be kept");
    const audit = () => runProcess(process.execPath, [cliBin, "gateway", "audit", "--json", "--state-dir", gwDir], { env: cliEnv(keys[8]!), cwd: dir });
    const clean = await audit();
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.deepEqual((JSON.parse(clean.stdout) as { overcharging: string[] }).overcharging, []);

    // The provider signed for a few milliseconds of work; it settles everything streamed so far.
    const stream = gw.status().openStreams.find((s) => s.providerId === overId)!;
    const streamId = BigInt(stream.streamId);
    const read = createReadClient({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, profile: "background" });
    await new Promise((ok) => setTimeout(ok, 1_500));
    // Anvil stamps blocks only when they are mined: one now makes the wait count on chain.
    await createTestClient({ mode: "anvil", transport: http(anvil.rpcUrl) }).mine({ blocks: 1 });
    const streamed = await getStreamedAmount(read, { streamPay: contracts.streamPay, streamId });
    assert.ok(streamed > BigInt(stream.metered), "more has streamed than was metered");
    const providerWallet = createChainClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey: keys[3]! });
    await settleStream(providerWallet, { streamPay: contracts.streamPay, streamId, amount: streamed });

    const flagged = await audit();
    assert.equal(flagged.code, 1, flagged.stdout + flagged.stderr);
    const report = JSON.parse(flagged.stdout) as {
      ok: boolean; overcharging: string[];
      streams: Array<{ streamId: string; providerId: string; verdict: string; signed: string; taken: string; excess: string }>;
    };
    assert.equal(report.ok, false);
    assert.deepEqual(report.overcharging, [overId], "only the overcharging provider is named");
    const s = report.streams.find((x) => x.streamId === streamId.toString())!;
    assert.equal(s.verdict, "overcharged");
    assert.equal(BigInt(s.taken), streamed);
    assert.equal(BigInt(s.excess), streamed - BigInt(s.signed));
    const honestId = idOf(honest, "echo-1");
    for (const x of report.streams.filter((y) => y.providerId === honestId)) assert.equal(x.verdict, "ok");
    // The text report names it too.
    const text = await runProcess(process.execPath, [cliBin, "gateway", "audit", "--state-dir", gwDir], { env: cliEnv(keys[8]!), cwd: dir });
    assert.equal(text.code, 1);
    assert.match(text.stdout, new RegExp(`provider #${overId}: .*OVERCHARGED`));

    // Closing its lanes, the gateway sees the same thing on its own: an overcharged fault, the provider avoided.
    await gw.payingFetch.close();
    const rec = gw.status().providers[overId]!;
    assert.equal(rec.faults["overcharged"], 1);
    assert.ok(rec.avoidedUntil);
    // After every close: the honest provider is clean; the one whose receipt was bad settled what it billed (unproven, not named).
    const closed = await audit();
    assert.equal(closed.code, 1);
    const after = JSON.parse(closed.stdout) as typeof report;
    assert.deepEqual(after.overcharging, [overId]);
    for (const x of after.streams.filter((y) => y.providerId === honestId)) assert.equal(x.verdict, "ok");
    const tampered = after.streams.find((y) => y.providerId === idOf(hostile, "echo-1"))!;
    assert.equal(tampered.verdict, "unproven");
  });

  test("a 1 GB answer through a real claw gateway child process: clear error, provider faulted, peak RSS under 300 MB", async (t) => {
    const stateDir = mkdtempSync(join(tmpdir(), "claw-gw-huge-"));
    const child = spawn(process.execPath, [cliBin, "gateway", "--json", "--port", "0", "--state-dir", stateDir, "--no-probe"], { env: cliEnv(keys[9]!), stdio: ["ignore", "pipe", "pipe"] });
    try {
      const { url, key } = await new Promise<{ url: string; key: string }>((ok, fail) => {
        let out = "";
        let err = "";
        child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
        child.stdout!.on("data", (b: Buffer) => {
          out += b.toString();
          if (out.includes("\n")) ok(JSON.parse(out.split("\n")[0]!) as { url: string; key: string });
        });
        child.on("exit", (code) => fail(new Error(`gateway exited ${code}: ${err}`)));
      });
      const hwm = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]);
      const startKb = hwm();
      const res = await fetch(`${url}/chat/completions`, {
        method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "echo-huge", messages: [{ role: "user", content: "flood me" }] }),
      });
      const body = (await res.json()) as { error: { message: string; code: string } };
      assert.equal(res.status, 502);
      assert.match(body.error.message, /larger than \d+ bytes; the answer was cut/);
      assert.ok(proxy.hugeBytesSent < 200 * 1024 * 1024, `the gateway stopped reading early (${proxy.hugeBytesSent} bytes sent)`);
      const jsonSent = proxy.hugeBytesSent;
      // The same as SSE: output is passed on, then cut at the stream cap with an error event.
      const flood = await fetch(`${url}/chat/completions`, {
        method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "echo-flood", stream: true, messages: [{ role: "user", content: "flood me" }] }),
      });
      assert.equal(flood.status, 200);
      let floodBytes = 0;
      let tail = "";
      const decoder = new TextDecoder();
      for await (const b of flood.body as unknown as AsyncIterable<Uint8Array>) {
        floodBytes += b.byteLength;
        tail = (tail + decoder.decode(b, { stream: true })).slice(-2000);
      }
      assert.ok(floodBytes < 40 * 1024 * 1024, `no more than the stream cap was passed on (${floodBytes} bytes)`);
      assert.match(tail, /ANSWER_TOO_LARGE/);
      assert.ok(proxy.hugeBytesSent - jsonSent < 200 * 1024 * 1024, "the gateway stopped reading the SSE flood early");
      const hwmKb = hwm();
      t.diagnostic(`gateway peak RSS ${Math.round(hwmKb / 1024)} MB (${Math.round(startKb / 1024)} MB once started); the hostile server wrote ${Math.round(proxy.hugeBytesSent / 2 ** 20)} MiB of its 2 × 1 GiB`);
      assert.ok(hwmKb < 300 * 1024, `peak RSS ${hwmKb} kB`);
      const st = (await (await fetch(`${url}/gateway/status`, { headers: { authorization: `Bearer ${key}` } })).json()) as GatewayStatus;
      const rec = st.providers[idOf(hostile, "echo-huge")];
      assert.equal(rec?.faults["oversized-answer"], 1);
      assert.ok(rec?.avoidedUntil);
      assert.equal(st.providers[idOf(hostile, "echo-flood")]?.faults["oversized-answer"], 1);
    } finally {
      child.kill("SIGTERM");
      await new Promise((ok) => child.once("exit", ok));
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
