/**
 * A new user's first agent turn: a real OpenClaw agent (OpenClaw 2026.9.6 on Node 24, installed by
 * openclaw-skill/setup-openclaw.sh into .claw/tools — run here if missing) with its DEFAULT tool
 * profile, `claw gateway` as its model provider, in front of the market `npm start` serves (anvil,
 * the contracts, claw.config.ts's offerings: echo-1 at 20 tokens/s). "Say ping" is answered in one
 * model request with no tool call, paid through the gateway's stream, settled on chain for what the
 * provider metered, and the provider's `claw audit` reconciles that stream.
 *
 * Before plugins/echo/turn.ts this turn never ended: OpenClaw appends a user message of internal
 * context naming `exec`, echo called exec with it on every request (86 requests, 133 s metered in
 * 180 s); with fewer tools its text answer was padded to max_tokens 4096 (205 s at 20 tokens/s).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Address, Hex } from "viem";
import { ensureOpenClaw, openclawTools, runProcess } from "./support/processes.ts";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { parseConfig } from "../config/load.ts";
import clawConfig from "../claw.config.ts";
import { startDevMarket, type DevMarket } from "../runtime/dev/market.ts";
import { startGateway, type RunningGateway } from "../runtime/gateway/start.ts";
import { cliBin, root } from "./consumer-support.ts";

const { bin: toolsBin, openclaw } = openclawTools(root);

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) => runProcess(cmd, args, { env, cwd });

/** What `openclaw agent exec --json` prints (the fields read here). */
type AgentResult = { ok?: boolean; final?: string; assistantTurns?: number; toolSummary?: { calls?: number; tools?: string[] } };

describe("OpenClaw (default tools) with claw gateway in front of npm start's market", { timeout: 600_000 }, () => {
  let market: DevMarket;
  let gw: RunningGateway;
  let base: string;

  before(async () => {
    ensureOpenClaw(root);
    base = mkdtempSync(join(tmpdir(), "claw-openclaw-gw-"));
    const store = join(base, "events.db");
    // claw.config.ts's offerings and prices as they are; free ports, a temp log, no console output,
    // and a long idle time so the stream is still open when the test reads it (the test closes it).
    const config = parseConfig({
      ...clawConfig,
      server: { port: 0 }, metrics: { port: 0 }, store: { path: store }, log: { level: "silent" },
      settlement: { ...clawConfig.settlement, idleSeconds: 600 },
    });
    market = await startDevMarket({ config, root, writeInfo: false, storePath: store });
    const consumer = market.info.accounts.find((a) => a.role === "consumer")!;
    const contracts = { registry: market.info.contracts.registry as Address, streamPay: market.info.contracts.streamPay as Address };
    gw = await startGateway({ chain: { rpcUrl: market.info.rpcUrl, privateKey: consumer.privateKey as Hex, contracts, pollingIntervalMs: 50 }, stateDir: join(base, "gateway"), port: 0 });
  });
  after(async () => {
    await gw?.close();
    await market?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  test("\"Say ping\" is answered in one paid request with no tool call, settled on chain, and the provider's audit reconciles", async () => {
    const dirs = Object.fromEntries(["home", "openclaw-home", "state", "tmp", "work"].map((d) => [d, join(base, d)]));
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
    const config = join(base, "openclaw.json");
    // The README's provider entry, and nothing about tools: OpenClaw's default profile.
    writeFileSync(config, JSON.stringify({
      models: { providers: { clawcompute: {
        baseUrl: `${gw.url}/v1`, apiKey: gw.key, api: "openai-completions",
        models: [{ id: "echo-1", name: "echo-1 on ClawCompute", reasoning: false, input: ["text"], cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, contextWindow: 128000, maxTokens: 4096 }],
      } } },
      agents: { defaults: { model: { primary: "clawcompute/echo-1" } } },
      update: { checkOnStart: false },
      telemetry: { enabled: false },
    }));
    const env = {
      PATH: `${toolsBin}:${process.env.PATH}`, HOME: dirs.home, OPENCLAW_HOME: dirs["openclaw-home"], OPENCLAW_STATE_DIR: dirs.state, TMPDIR: dirs.tmp,
    };
    // --timeout is a hang guard for a broken build, not a speed requirement.
    const turn = await run(openclaw, ["agent", "exec", "Say ping", "--config", config, "--cwd", dirs.work!, "--timeout", "300", "--json"], env, dirs.work!);
    if (process.env.CLAW_DEBUG_OPENCLAW) writeFileSync(process.env.CLAW_DEBUG_OPENCLAW, `${turn.stdout}\n---stderr---\n${turn.stderr}`);
    let out: AgentResult = {};
    try {
      out = JSON.parse(turn.stdout.slice(turn.stdout.indexOf("{")));
    } catch {
      assert.fail(`openclaw printed no JSON object:\n${turn.stdout.slice(-1500)}\n${turn.stderr.slice(-1500)}`);
    }
    const transcript = `${turn.stdout}\n${turn.stderr}`.slice(-3000);
    assert.equal(out.ok, true, transcript);
    assert.match(out.final ?? "", /\bping\b/, "echo's answer (the user's words) came back through the gateway");
    assert.equal(out.toolSummary?.calls ?? 0, 0, `no tool was called: ${transcript}`);
    assert.equal(out.assistantTurns, 1, transcript);

    const status = gw.status();
    assert.equal(status.byModel["echo-1"]?.requests, 1, "one model request for the turn, paid through the gateway");
    const [open] = status.openStreams;
    assert.ok(open, "the gateway holds a stream to the provider");
    assert.ok(BigInt(open.metered) > 0n);
    const receipts = await gw.payingFetch.close();
    const receipt = receipts.find((r) => r.streamId === BigInt(open.streamId))!;
    assert.equal(receipt.closedBy, "provider-settle");
    const { publicClient } = market.provider.clients;
    const [settled] = await publicClient.getContractEvents({ address: market.info.contracts.streamPay as Address, abi: streamPayAbi, eventName: "StreamSettled", args: { streamId: receipt.streamId }, fromBlock: 0n });
    assert.equal(settled?.args.earned, BigInt(open.metered), "paid on chain exactly what the gateway recorded as billed");

    // The provider's own books agree with the chain.
    await new Promise((ok) => setTimeout(ok, 500)); // the provider's watcher appends the settlement it saw
    const audit = await run(process.execPath, [cliBin, "audit", "--db", market.info.store, "--rpc", market.info.rpcUrl, "--registry", market.info.contracts.registry, "--stream-pay", market.info.contracts.streamPay, "--json"],
      { PATH: process.env.PATH ?? "", HOME: dirs.home, CLAW_DEV_INFO: join(base, "none.json") }, base);
    const report = JSON.parse(audit.stdout) as {
      log: { verify: { ok: boolean } };
      streams: Array<{ streamId: string; logStatus: string; chainStatus: string; metered: string; paidChain: string; differences: string[] }>;
    };
    assert.equal(report.log.verify.ok, true);
    const mine = report.streams.find((x) => x.streamId === open.streamId);
    assert.ok(mine, audit.stdout);
    assert.deepEqual(mine.differences, [], audit.stdout);
    assert.deepEqual([mine.logStatus, mine.chainStatus], ["settled", "settled"]);
    assert.equal(mine.metered, open.metered, "the provider metered what the gateway recorded");
    assert.equal(mine.paidChain, open.metered);
  });
});
