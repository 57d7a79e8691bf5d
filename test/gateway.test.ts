/**
 * `claw gateway` against a real local market (anvil, contracts, provider runtimes on loopback) with
 * the official `openai` client: answers stream and not, the local key and the browser-origin rule,
 * the key file's mode, /v1/models, status from the gateway's own log — and a gateway killed with an
 * open stream and restarted closes that stream (settled for what was metered, the rest refunded).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { tinyPngBase64 } from "../plugins/testing/fake-diffusion.ts";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { getStream as readStream } from "../runtime/chain/actions/get-stream.ts";
import { startGateway, type RunningGateway } from "../runtime/gateway/start.ts";
import { cliBin, startConsumerMarket, type ConsumerMarket } from "./consumer-support.ts";

let m: ConsumerMarket;
let gw: RunningGateway;
before(async () => {
  // Providers never settle by themselves here (idle 10 min): every close is the gateway's doing.
  m = await startConsumerMarket({ idleSeconds: 600 });
  gw = await startGateway({
    chain: { rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[8]!, contracts: m.contracts, pollingIntervalMs: 50 },
    stateDir: mkdtempSync(join(tmpdir(), "claw-gw-")), port: 0,
  });
});
after(async () => {
  await gw?.close();
  await m?.close();
});

async function getStream(id: bigint) {
  return readStream(m.publicClient, { streamPay: m.contracts.streamPay, streamId: id });
}

describe("claw gateway (in process)", () => {
  test("the openai client through the gateway: non-stream and stream on one stream; status from the log", async () => {
    assert.ok(gw.keyCreated);
    assert.equal(statSync(gw.keyFile).mode & 0o777, 0o600, "the key file is readable by its owner only");
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "through the gateway" }] });
    assert.equal(r.choices[0]?.message.content, "through the gateway");
    const s = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "streamed too" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    for await (const c of s) text += c.choices[0]?.delta?.content ?? "";
    assert.equal(text, "streamed too");
    const st = gw.status();
    assert.equal(st.openStreams.length, 1);
    assert.equal(st.openStreams[0]!.providerId, m.cheap.offerings[0]!.providerId.toString());
    assert.equal(st.byModel["echo-1"]?.requests, 2);
    assert.ok(BigInt(st.spent.lastHour) > 0n);
    // Spend is what the chain can take: an open stream at max(streamed so far, billed); the limits count its whole deposit.
    const open = st.openStreams[0]!;
    const chainCanTake = BigInt(open.streamed) > BigInt(open.metered) ? BigInt(open.streamed) : BigInt(open.metered);
    assert.ok(BigInt(st.spent.lastHour) >= chainCanTake && BigInt(st.spent.lastHour) <= BigInt(open.deposit), "spend = what the chain can take from the open stream");
    assert.equal(st.committed.lastHour, open.deposit, "committed = the open stream's whole deposit");
    const models = await openai.models.list();
    assert.ok(models.data.some((x) => x.id === "echo-1"));
  });

  test("images and transcriptions through the gateway, with the openai client", async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 });
    const img = await openai.images.generate({ model: "sd-fake", prompt: "a red fox", response_format: "b64_json" });
    assert.equal(img.data?.[0]?.b64_json, tinyPngBase64);
    const heard = await openai.audio.transcriptions.create({ model: "whisper-fake", file: await toFile(new TextEncoder().encode("RIFF....WAVEfmt fake audio"), "hello.wav") });
    assert.equal(heard.text, m.whisper.reply.join(""));
    const st = gw.status();
    assert.equal(st.byModel["sd-fake"]?.requests, 1);
    assert.equal(st.byModel["whisper-fake"]?.requests, 1);
    assert.equal(st.byProvider[m.other.offerings[1]!.providerId.toString()]?.requests, 1);
  });

  test("without the key, with a wrong key, or from a browser origin: refused before any payment", async () => {
    const body = JSON.stringify({ model: "echo-1", messages: [{ role: "user", content: "x" }] });
    const post = (headers: Record<string, string>) => fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
    const none = await post({});
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, "GATEWAY_KEY_INVALID");
    assert.equal((await post({ authorization: `Bearer ${gw.key}x` })).status, 401);
    const page = await post({ authorization: `Bearer ${gw.key}`, origin: "https://evil.example" });
    assert.equal(page.status, 403);
    assert.equal(((await page.json()) as { error: { code: string } }).error.code, "ORIGIN_FORBIDDEN");
    assert.equal(gw.status().byModel["echo-1"]?.requests, 2, "no request was paid");
  });

  test("close() settles the open streams and the log records it", async () => {
    const before = gw.status().openStreams;
    assert.equal(before.length, 3, "one stream per provider used: echo-1, sd-fake, whisper-fake");
    await gw.payingFetch.close();
    for (const open of before) assert.notEqual((await getStream(BigInt(open.streamId))).status, "active");
    const st = gw.status();
    assert.equal(st.openStreams.length, 0);
    assert.equal(st.closedStreams, 3);
    const expected = before.reduce((t, x) => t + BigInt(x.deposit) - BigInt(x.metered), 0n);
    assert.equal(BigInt(st.refunded), expected, "every deposit came back but what was metered");
  });
});

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

function startChild(stateDir: string, port: number): Promise<{ child: ChildProcess; url: string; key: string }> {
  const child = spawn(process.execPath, [cliBin, "gateway", "--json", "--port", String(port), "--state-dir", stateDir], { env: m.cliEnv(m.keys[9]!), stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((ok, fail) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    child.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.includes("\n")) {
        const j = JSON.parse(out.split("\n")[0]!) as { url: string; key: string };
        ok({ child, url: j.url, key: j.key });
      }
    });
    child.on("exit", (code) => fail(new Error(`gateway exited ${code}: ${err}`)));
  });
}

describe("claw gateway killed with an open stream", () => {
  test("the restarted gateway closes the stream it left open: provider paid what it metered, the rest refunded", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "claw-gw-kill-"));
    const port = await freePort();
    const first = await startChild(stateDir, port);
    const openai = new OpenAI({ baseURL: first.url, apiKey: first.key, maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: "echo-1", messages: [{ role: "user", content: "before the kill" }] });
    assert.equal(r.choices[0]?.message.content, "before the kill");
    const status = (await (await fetch(`${first.url}/gateway/status`, { headers: { authorization: `Bearer ${first.key}` } })).json()) as { openStreams: Array<{ streamId: string; metered: string; deposit: string }> };
    assert.equal(status.openStreams.length, 1);
    const { streamId, metered, deposit } = status.openStreams[0]!;
    first.child.kill("SIGKILL");
    await new Promise((ok) => first.child.once("exit", ok));
    assert.equal((await getStream(BigInt(streamId))).status, "active", "the kill left the stream open on chain");

    const second = await startChild(stateDir, port);
    assert.equal(second.key, first.key, "the key survives the restart");
    try {
      const until = Date.now() + 60_000;
      let open = 1;
      while (open > 0 && Date.now() < until) {
        await new Promise((ok) => setTimeout(ok, 250));
        const s = (await (await fetch(`${second.url}/gateway/status`, { headers: { authorization: `Bearer ${second.key}` } })).json()) as { openStreams: unknown[] };
        open = s.openStreams.length;
      }
      assert.equal(open, 0, "every stream of the earlier run is closed");
      const s = await getStream(BigInt(streamId));
      assert.notEqual(s.status, "active");
      const [settled] = await m.publicClient.getContractEvents({ address: m.contracts.streamPay, abi: streamPayAbi, eventName: "StreamSettled", args: { streamId: BigInt(streamId) }, fromBlock: 0n });
      assert.ok(settled, "closed through the provider's settlement");
      assert.equal(settled.args.earned, BigInt(metered), "the provider was paid what it metered");
      assert.equal(settled.args.refund, BigInt(deposit) - BigInt(metered));
    } finally {
      second.child.kill("SIGTERM");
      await new Promise((ok) => second.child.once("exit", ok));
    }
    // `claw gateway status --json` reads the same log after the gateway stopped.
    const st = await m.runCli(["gateway", "status", "--json", "--state-dir", stateDir], m.cliEnv(m.keys[9]!));
    assert.equal(st.code, 0, st.stderr);
    const report = JSON.parse(st.stdout) as { openStreams: unknown[]; closedStreams: number; byModel: Record<string, { requests: number; spent: string }>; refunded: string };
    assert.deepEqual(report.openStreams, []);
    assert.equal(report.closedStreams, 1);
    assert.equal(report.byModel["echo-1"]?.spent, metered);
    assert.equal(report.refunded, (BigInt(deposit) - BigInt(metered)).toString());
  });
});
