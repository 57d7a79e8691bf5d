/**
 * `claw infer` and the SDK against a real local market (anvil, contracts, three provider runtimes):
 * the cheapest provider of the requested model — and only of that model — is paid, balances are
 * exact to the wei (gas from the receipts), and a session of several prompts costs one open and one
 * settlement.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEventLogs, type Address, type Hash } from "viem";
import { streamPayAbi } from "../contracts/generated/abi.ts";
import { createClawClient } from "../runtime/client/index.ts";
import { tinyPngBase64 } from "../plugins/testing/fake-diffusion.ts";
import { prices, startConsumerMarket, type ConsumerMarket } from "./consumer-support.ts";

type InferJson = {
  answer: string; answers: string[]; provider: { id: string; wallet: string }; streamId: string; deposit: string; cost: string; refund: string;
  gas: string; jobs: Array<{ cost: string }>; closedBy: string; files: string[]; txHashes: { open: Hash; close: Hash };
};

let m: ConsumerMarket;

before(async () => {
  m = await startConsumerMarket();
});
after(() => m?.close());

const balance = (a: Address) => m.publicClient.getBalance({ address: a });
async function gasOf(hash: Hash): Promise<{ gas: bigint; from: Address; logs: readonly unknown[] }> {
  const r = await m.publicClient.getTransactionReceipt({ hash });
  return { gas: r.gasUsed * r.effectiveGasPrice, from: r.from, logs: r.logs };
}
async function settledEvent(streamId: bigint) {
  const logs = await m.publicClient.getContractEvents({ address: m.contracts.streamPay, abi: streamPayAbi, eventName: "StreamSettled", args: { streamId }, fromBlock: 0n });
  return logs;
}
const wallets = () => ({ expensive: m.expensive.clients.address, cheap: m.cheap.clients.address, other: m.other.clients.address });

/** Checks every wei of one closed CLI purchase: consumer, paid provider, and the providers not chosen. */
async function assertExactBalances(out: InferJson, consumer: Address, before: Record<string, bigint>) {
  const streamId = BigInt(out.streamId);
  const [settled] = await settledEvent(streamId);
  assert.ok(settled, "the provider settled the stream");
  const earned = settled.args.earned!;
  const refund = settled.args.refund!;
  const deposit = BigInt(out.deposit);
  assert.equal(BigInt(out.cost), earned);
  assert.equal(BigInt(out.refund), refund);
  assert.equal(earned + refund, deposit);
  assert.equal(out.jobs.reduce((t, j) => t + BigInt(j.cost), 0n), earned, "paid = the sum of the job costs the provider reported");
  assert.equal(m.cheap.views.streams.get(streamId)?.metered, earned, "paid = what the provider's log metered");
  const open = await gasOf(out.txHashes.open);
  assert.equal(open.from.toLowerCase(), consumer.toLowerCase());
  assert.equal(BigInt(out.gas), open.gas);
  assert.equal(await balance(consumer), before.consumer! - deposit - open.gas + refund);
  const settle = await gasOf(settled.transactionHash);
  assert.equal(settle.from.toLowerCase(), wallets().cheap.toLowerCase(), "the provider pays for its settlement");
  assert.equal(await balance(wallets().cheap), before.cheap! + earned - settle.gas);
  assert.equal(await balance(wallets().expensive), before.expensive, "the dearer provider of the model got nothing");
  assert.equal(await balance(wallets().other), before.other, "the cheaper provider of another model got nothing");
}

async function snapshot(consumer: Address): Promise<Record<string, bigint>> {
  const w = wallets();
  const [c, e, ch, o] = await Promise.all([balance(consumer), balance(w.expensive), balance(w.cheap), balance(w.other)]);
  return { consumer: c, expensive: e, cheap: ch, other: o };
}

describe("claw infer on a local market", () => {
  test("buys from the cheapest provider of the requested model only; balances exact to the wei", async () => {
    const consumer = m.address(4);
    const before = await snapshot(consumer);
    const r = await m.runCli(["infer", "-m", "echo-1", "hello from the test", "--json"], m.cliEnv(m.keys[4]!));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as InferJson;
    assert.equal(out.answer, "hello from the test");
    assert.equal(out.provider.id, m.cheap.offerings[0]!.providerId.toString());
    assert.equal(out.closedBy, "provider-settle");
    const s = await m.publicClient.readContract({ address: m.contracts.streamPay, abi: streamPayAbi, functionName: "getStream", args: [BigInt(out.streamId)] });
    assert.equal(s.recipient, wallets().cheap);
    assert.equal(s.providerId, m.cheap.offerings[0]!.providerId);
    assert.equal(BigInt(out.deposit) % prices.cheap, 0n, "streams at exactly the price");
    assert.match(r.stderr, /progress|opening a stream|waiting/);
    await assertExactBalances(out, consumer, before);
  });

  test("a session of several prompts (stdin) is one open transaction and one settlement", async () => {
    const consumer = m.address(5);
    const before = await snapshot(consumer);
    const nonce = await m.publicClient.getTransactionCount({ address: consumer });
    const r = await m.runCli(["infer", "-m", "echo-1", "-", "--json", "-q"], m.cliEnv(m.keys[5]!), "first prompt\nsecond one here\nthird\n");
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as InferJson;
    assert.deepEqual(out.answers, ["first prompt", "second one here", "third"]);
    assert.equal(out.jobs.length, 3);
    assert.equal(await m.publicClient.getTransactionCount({ address: consumer }), nonce + 1, "one transaction from the consumer: the open");
    const created = await m.publicClient.getContractEvents({ address: m.contracts.streamPay, abi: streamPayAbi, eventName: "StreamCreated", args: { sender: consumer }, fromBlock: 0n });
    assert.equal(created.length, 1);
    const streamId = BigInt(out.streamId);
    assert.equal((await settledEvent(streamId)).length, 1);
    const submitted = m.cheap.store.readByKey(`stream:${streamId}`).filter((e) => e.type === "SettlementSubmitted");
    assert.equal(submitted.length, 1, "the provider sent one settle transaction");
    assert.equal(m.cheap.views.streams.get(streamId)?.jobsCompleted, 3);
    await assertExactBalances(out, consumer, before);
  });

  test("the SDK streams tokens as they come, reuses the stream, and returns an exact receipt", async () => {
    const consumer = m.address(6);
    const start = await balance(consumer);
    const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[6]!, contracts: m.contracts });
    const [best, second] = await claw.discover("echo-1", { probe: true });
    assert.deepEqual([best?.pricePerSecond, second?.pricePerSecond], [prices.cheap, prices.expensive]);
    assert.ok(best?.health?.ok);
    const session = await claw.openSession({ model: "echo-1", expectedSeconds: 5 });
    const pieces: string[] = [];
    for await (const token of session.infer("one two three four five")) pieces.push(token);
    assert.equal(pieces.join(""), "one two three four five");
    assert.ok(pieces.length >= 3, `tokens arrive one by one (${pieces.length} pieces)`);
    const second2 = await session.ask("six seven");
    assert.equal(second2.text, "six seven");
    assert.equal(session.jobs.length, 2);
    const receipt = await session.close();
    assert.equal(receipt.closedBy, "provider-settle");
    assert.equal(receipt.paid, session.metered());
    assert.equal(receipt.paid, m.cheap.views.streams.get(receipt.streamId)?.metered);
    assert.equal(receipt.refunded, receipt.deposit - receipt.paid);
    assert.equal(await balance(consumer), start - receipt.deposit - receipt.gasPaid + receipt.refunded);
    assert.equal(await m.publicClient.getTransactionCount({ address: consumer }), 1);
    assert.strictEqual(await session.close(), receipt, "closing twice returns the same receipt");
    await assert.rejects(session.ask("more"), (e: { code?: string }) => e.code === "STREAM_ENDED");
  });

  test("refusals: price above the maximum, unknown model, wrong provider, usage and wallet errors — no transaction sent", async () => {
    const consumer = m.address(7);
    const env = m.cliEnv(m.keys[7]!);
    const tooCheap = await m.runCli(["infer", "-m", "echo-1", "hi", "--max-price", (prices.cheap - 1n).toString(), "--json", "-q"], env);
    assert.equal(tooCheap.code, 4, tooCheap.stderr + tooCheap.stdout);
    assert.equal(JSON.parse(tooCheap.stdout).error.code, "PRICE_ABOVE_MAX");
    const unknown = await m.runCli(["infer", "-m", "no-such-model", "hi", "--json", "-q"], env);
    assert.equal(unknown.code, 1);
    assert.equal(JSON.parse(unknown.stdout).error.code, "NO_PROVIDER");
    // Provider choice errors through the SDK (same code path as the CLI, without a process start).
    const claw = await createClawClient({ rpcUrl: m.anvil.rpcUrl, privateKey: m.keys[7]!, contracts: m.contracts });
    await assert.rejects(claw.openSession({ model: "echo-1", providerId: m.other.offerings[0]!.providerId }), (e: { code?: string; message: string }) => e.code === "NO_PROVIDER" && /echo-cheap/.test(e.message));
    await assert.rejects(
      claw.openSession({ model: "echo-1", providerId: m.expensive.offerings[0]!.providerId, maxPricePerSecond: prices.cheap }),
      (e: { code?: string }) => e.code === "PRICE_ABOVE_MAX",
    );
    const badPrice = await m.runCli(["infer", "-m", "echo-1", "hi", "--max-price", "cheap"], env);
    assert.equal(badPrice.code, 2);
    assert.match(badPrice.stderr, /--max-price/);
    const { PRIVATE_KEY: _k, ...noKey } = env;
    const noWallet = await m.runCli(["infer", "-m", "echo-1", "hi", "--json"], noKey);
    assert.equal(noWallet.code, 3);
    assert.equal(JSON.parse(noWallet.stdout).error.code, "CONFIG_INVALID");
    assert.equal(await m.publicClient.getTransactionCount({ address: consumer }), 0);
  });

  test("--image writes the diffusion offering's PNG; --audio transcribes a file with the whisper offering", async () => {
    const env = m.cliEnv(m.keys[8]!);
    const png = join(m.dir, "fox.png");
    const image = await m.runCli(["infer", "-m", "sd-fake", "a red fox", "--image", png, "--json", "-q"], env);
    assert.equal(image.code, 0, image.stderr);
    const out = JSON.parse(image.stdout) as InferJson;
    assert.deepEqual(out.files, [png]);
    assert.deepEqual(readFileSync(png), Buffer.from(tinyPngBase64, "base64"));
    assert.equal(out.provider.id, m.other.offerings[1]!.providerId.toString());
    assert.equal(out.closedBy, "provider-settle");
    const wav = join(m.dir, "hello.wav");
    writeFileSync(wav, Buffer.from("RIFF....WAVEfmt fake audio bytes"));
    const audio = await m.runCli(["infer", "-m", "whisper-fake", "--audio", wav, "--json", "-q"], env);
    assert.equal(audio.code, 0, audio.stderr);
    const heard = JSON.parse(audio.stdout) as InferJson;
    assert.equal(heard.answer, m.whisper.reply.join(""));
    assert.equal(BigInt(heard.refund) + BigInt(heard.cost), BigInt(heard.deposit));
    const logs = parseEventLogs({ abi: streamPayAbi, logs: (await gasOf(heard.txHashes.close)).logs as never, eventName: "StreamSettled" });
    assert.equal(logs[0]?.args.streamId, BigInt(heard.streamId));
  });
});
