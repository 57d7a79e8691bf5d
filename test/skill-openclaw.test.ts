/**
 * The OpenClaw skill, checked by the real thing: OpenClaw 2026.9.6 (on Node >= 24.16, installed into
 * .claw/tools/openclaw by openclaw-skill/setup-openclaw.sh — run here if missing) loads the skill from
 * a scratch HOME and reports it eligible with its requirements, and not eligible without the wallet
 * key. Then every `claw` command the skill names is run, in the skill's order, against a real local
 * market, and must exit 0 with one JSON object on stdout.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureOpenClaw, openclawTools, runProcess } from "./support/processes.ts";
import { prices, root, cliBin, startConsumerMarket, type ConsumerMarket } from "./consumer-support.ts";

const skillDir = join(root, "openclaw-skill/claw-compute");
const { bin: toolsBin, openclaw } = openclawTools(root);

/** The `claw ...` lines of the skill's code blocks, in order. */
function skillCommands(markdown: string): string[] {
  const out: string[] = [];
  // Every fenced block is consumed (so fences stay paired); only shell blocks are run.
  for (const block of markdown.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (!["", "bash", "sh"].includes(block[1]!)) continue;
    for (const line of block[2]!.split("\n")) if (line.trim().startsWith("claw ")) out.push(line.trim());
  }
  return out;
}

/** Splits a command line into words (double quotes group; no other shell syntax is used). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string) => runProcess(cmd, args, { env, cwd });

describe("OpenClaw skill claw-compute", { timeout: 600_000 }, () => {
  let m: ConsumerMarket;
  let home: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    ensureOpenClaw(root);
    home = mkdtempSync(join(tmpdir(), "claw-openclaw-home-"));
    cpSync(skillDir, join(home, ".openclaw/skills/claw-compute"), { recursive: true });
    // `claw` on PATH, as `npm link` would put it; it runs on this (the project's) Node.
    mkdirSync(join(home, "bin"));
    writeFileSync(join(home, "bin/claw"), `#!/bin/sh\nexec "${process.execPath}" "${cliBin}" "$@"\n`);
    chmodSync(join(home, "bin/claw"), 0o755);
    m = await startConsumerMarket({ idleSeconds: 20 });
    const devInfo = join(m.dir, "dev.json");
    writeFileSync(devInfo, JSON.stringify({
      rpcUrl: m.anvil.rpcUrl, chainId: m.anvil.chainId, contracts: m.contracts, providerUrl: m.cheap.url, store: m.cheap.store.path,
      accounts: [{ address: m.address(9), privateKey: m.keys[9], role: "consumer" }],
    }));
    // OpenClaw needs its Node 24 first on PATH; `claw` itself is pinned to this Node by the shim.
    env = { HOME: home, PATH: `${toolsBin}:${join(home, "bin")}:${process.env.PATH}`, PRIVATE_KEY: m.keys[9]!, CLAW_DEV_INFO: devInfo };
  });
  after(async () => {
    await m?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test("OpenClaw reads it and reports it eligible with its requirements; without the key it is not", async () => {
    const info = await run(openclaw, ["skills", "info", "claw-compute", "--json"], env, home);
    assert.equal(info.code, 0, info.stderr);
    const skill = JSON.parse(info.stdout);
    assert.equal(skill.name, "claw-compute");
    assert.match(skill.description, /inference/);
    assert.equal(skill.primaryEnv, "PRIVATE_KEY");
    assert.deepEqual(skill.requirements.bins, ["claw"]);
    assert.deepEqual(skill.requirements.env, ["PRIVATE_KEY"]);
    assert.deepEqual([skill.missing.bins, skill.missing.env], [[], []]);
    assert.equal(skill.eligible, true);
    const { PRIVATE_KEY: _key, ...noKey } = env;
    const without = JSON.parse((await run(openclaw, ["skills", "info", "claw-compute", "--json"], noKey, home)).stdout);
    assert.equal(without.eligible, false);
    assert.deepEqual(without.missing.env, ["PRIVATE_KEY"]);
  });

  test("every command the skill names runs and prints one JSON object", async () => {
    const commands = skillCommands(readFileSync(join(skillDir, "SKILL.md"), "utf8"));
    for (const needed of ["providers list", "infer", "balance", "providers register", "providers update", "providers cleanup", "earnings", "withdraw"]) {
      assert.ok(commands.some((c) => c.startsWith(`claw ${needed} `)), `the skill shows \`claw ${needed}\``);
    }
    const values: Record<string, string> = { "<max-price-wei>": prices.cheap.toString(), "<price-wei>": "2000000000", "<endpoint-url>": m.cheap.url };
    let prompts = 0;
    for (const line of commands) {
      const args = words(line).slice(1);
      const registering = args[0] === "providers" && args[1] === "register";
      const filled = args.map((w) => {
        if (w === "<model>") return registering ? "agent-model" : "echo-1";
        if (w === "<prompt>") return `prompt number ${++prompts}`;
        const v = values[w];
        if (w.startsWith("<") && v === undefined) throw new Error(`no value for ${w} in: ${line}`);
        return v ?? w;
      });
      const r = await run(join(home, "bin/claw"), filled, env, m.dir);
      assert.equal(r.code, 0, `${line}\n${r.stderr}\n${r.stdout}`);
      const lines = r.stdout.trim().split("\n");
      assert.equal(lines.length, 1, `one JSON object from: ${line}`);
      const out = JSON.parse(lines[0]!) as Record<string, unknown>;
      assert.equal(out.error, undefined, line);
      if (filled[0] === "infer" && filled.includes("--keep-open")) {
        values["<stream-id>"] = String(out.streamId);
        assert.equal(out.open, true);
        assert.equal(out.answer, `prompt number ${prompts}`);
      } else if (filled[0] === "infer" && line.includes("<prompt>")) {
        assert.equal(out.answer, `prompt number ${prompts}`);
        assert.equal(BigInt(out.cost as string) + BigInt(out.refund as string), BigInt(out.deposit as string));
      } else if (filled[0] === "infer") {
        assert.equal(out.open, false, "closing the kept-open stream");
        assert.equal(out.streamId, values["<stream-id>"]);
      }
      if (registering) values["<provider-id>"] = String(out.providerId);
      if (filled[0] === "balance") assert.ok(BigInt(out.spent as string) > 0n);
      if (filled[0] === "earnings") assert.ok((out.jobs as number) > 0);
      if (filled[0] === "withdraw") assert.equal(out.claimed, "0");
    }
  });
});
