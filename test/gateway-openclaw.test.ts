/**
 * A real OpenClaw agent turn (OpenClaw 2026.9.6 on Node 24, installed by openclaw-skill/setup-openclaw.sh
 * into .claw/tools — run here if missing) with `claw gateway` as its model provider, against a real
 * local market: the turn answers, is paid on chain through the gateway's stream, the stream is settled
 * for what the provider metered, and the provider's `claw audit` reconciles that stream (its log and
 * the chain agree to the wei).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureOpenClaw, openclawTools, runProcess } from "./support/processes.ts";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { startGateway, type RunningGateway } from "../runtime/gateway/start.ts";
import { cliBin, root, startConsumerMarket, type ConsumerMarket } from "./consumer-support.ts";

const { bin: toolsBin, openclaw } = openclawTools(root);

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) => runProcess(cmd, args, { env, cwd });

describe("OpenClaw with claw gateway as its model provider", { timeout: 600_000 }, () => {
  let m: ConsumerMarket;
  let gw: RunningGateway;
  let base: string;

  before(async () => {
    ensureOpenClaw(root);
    base = mkdtempSync(join(tmpdir(), "claw-openclaw-gw-"));
    m = await startConsumerMarket({ idleSeconds: 600 });
    gw = await startGateway({ chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[9]!, contracts: m.contracts, pollingIntervalMs: 50 }, stateDir: join(base, "gateway"), port: 0 });
  });
  after(async () => {
    await gw?.close();
    await m?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  test("one agent turn answers through the market, is paid on chain, and the provider's audit reconciles", async () => {
    const dirs = Object.fromEntries(["home", "openclaw-home", "state", "tmp", "work"].map((d) => [d, join(base, d)]));
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    const config = join(base, "openclaw.json");
    writeFileSync(config, JSON.stringify({
      models: { providers: { clawcompute: {
        baseUrl: `${gw.url}/v1`, apiKey: gw.key, api: "openai-completions",
        models: [{ id: "echo-1", name: "echo-1 on ClawCompute", reasoning: false, input: ["text"], cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, contextWindow: 128000, maxTokens: 4096 }],
      } } },
      agents: { defaults: { model: { primary: "clawcompute/echo-1" } } },
      // The echo backend calls every offered tool whose name the user's text mentions; the minimal
      // profile keeps the turn to one answer (the gateway carries tools either way).
      tools: { profile: "minimal" },
      update: { checkOnStart: false },
      telemetry: { enabled: false },
    }));
    const env = {
      PATH: `${toolsBin}:${process.env.PATH}`, HOME: dirs.home, OPENCLAW_HOME: dirs["openclaw-home"], OPENCLAW_STATE_DIR: dirs.state, TMPDIR: dirs.tmp,
    };
    const turn = await run(openclaw, ["agent", "exec", "Say the word lobster.", "--config", config, "--cwd", dirs.work!, "--timeout", "120", "--json"], env, dirs.work!);
    if (process.env.CLAW_DEBUG_OPENCLAW) writeFileSync(process.env.CLAW_DEBUG_OPENCLAW, `${turn.stdout}\n---stderr---\n${turn.stderr}`);
    let out: { ok?: boolean; final?: string; error?: unknown } = {};
    try {
      out = JSON.parse(turn.stdout.slice(turn.stdout.indexOf("{")));
    } catch {
      assert.fail(`openclaw printed no JSON object:\n${turn.stdout.slice(-1500)}\n${turn.stderr.slice(-1500)}`);
    }
    assert.equal(out.ok, true, `${turn.stdout}\n${turn.stderr}`.slice(-3000));
    assert.match(out.final ?? "", /lobster/, "the echo provider's answer came back through the gateway");

    const status = gw.status();
    assert.ok((status.byModel["echo-1"]?.requests ?? 0) >= 1, "the turn was paid through the gateway");
    const [open] = status.openStreams;
    assert.ok(open, "the gateway holds a stream to the provider");
    const receipts = await gw.payingFetch.close();
    const receipt = receipts.find((r) => r.streamId === BigInt(open.streamId))!;
    assert.equal(receipt.closedBy, "provider-settle");
    const [settled] = await m.publicClient.getContractEvents({ address: m.contracts.streamPay, abi: streamPayAbi, eventName: "StreamSettled", args: { streamId: receipt.streamId }, fromBlock: 0n });
    assert.equal(settled?.args.earned, BigInt(open.metered), "paid on chain exactly what the gateway recorded as billed");
    assert.ok(BigInt(open.metered) > 0n);

    // The provider's own books agree with the chain.
    const provider = BigInt(open.providerId) === m.cheap.offerings[0]!.providerId ? m.cheap : m.expensive;
    await new Promise((ok) => setTimeout(ok, 500)); // the provider's watcher appends the settlement it saw
    const audit = await run(process.execPath, [cliBin, "audit", "--db", provider.store.path, "--rpc", m.anvil.rpcUrl, "--registry", m.contracts.registry, "--stream-pay", m.contracts.streamPay, "--json"],
      { PATH: process.env.PATH ?? "", HOME: dirs.home, CLAW_DEV_INFO: join(base, "none.json") }, base);
    const report = JSON.parse(audit.stdout) as {
      log: { verify: { ok: boolean } };
      streams: Array<{ streamId: string; logStatus: string; chainStatus: string; metered: string; settled: string; paidChain: string; differences: string[] }>;
    };
    assert.equal(report.log.verify.ok, true);
    // The turn's stream, as the provider's log and the chain both see it.
    const mine = report.streams.find((x) => x.streamId === open.streamId);
    assert.ok(mine, audit.stdout);
    assert.deepEqual(mine.differences, [], audit.stdout);
    assert.deepEqual([mine.logStatus, mine.chainStatus], ["settled", "settled"]);
    assert.equal(mine.metered, open.metered, "the provider metered what the gateway recorded");
    assert.equal(mine.paidChain, open.metered);
  });
});
