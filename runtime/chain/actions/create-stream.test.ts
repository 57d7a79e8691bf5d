import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { createStream } from "./create-stream.ts";
import { registerProvider } from "./register-provider.ts";
import { createServer } from "node:http";
import { createChainClients, createWalletProviderClients } from "../client.ts";
import { startTestChain, type TestChain } from "./testing.ts";

let t: TestChain;
before(async () => (t = await startTestChain()));
after(() => t?.stop());

test("the new stream comes from the receipt's StreamCreated event, and the deposit leaves the sender", async () => {
  const sender = t.wallet(1);
  const before = await t.read.getBalance({ address: sender.address });
  const { stream, receipt } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 60n, serviceType: 1, providerId: 0n, deposit: 600n });
  const [again] = [await createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 60n, serviceType: 1, providerId: 0n, deposit: 600n })];
  assert.equal(again!.stream.streamId, stream.streamId + 1n, "ids are sequential");
  assert.equal(stream.deposit, 600n);
  assert.equal(stream.durationSeconds, 60n);
  assert.equal(stream.sender, sender.address);
  const gas = receipt.gasUsed * receipt.effectiveGasPrice + again!.receipt.gasUsed * again!.receipt.effectiveGasPrice;
  assert.equal(await t.read.getBalance({ address: sender.address }), before - 1_200n - gas);
});

test("a provider opening a stream to itself is refused before any gas: CHAIN_REVERTED SelfAttribution", async () => {
  const provider = t.wallet(3);
  const { providerId } = await registerProvider(provider, { registry: t.contracts.registry, model: "self-1", pricePerSecond: 1n, endpoint: "http://127.0.0.1:1", serviceType: 0 });
  const nonceBefore = await t.read.getTransactionCount({ address: provider.address });
  await assert.rejects(
    createStream(provider, { streamPay: t.contracts.streamPay, recipient: provider.address, durationSeconds: 10n, serviceType: 0, providerId, deposit: 10n }),
    (e) => isClawError(e, "CHAIN_REVERTED") && e.details?.errorName === "SelfAttribution",
  );
  assert.equal(await t.read.getTransactionCount({ address: provider.address }), nonceBefore, "nothing was sent");
});

test("beforeBroadcast gets the hash and nonce before the node sees the transaction; the mined one is that hash", async () => {
  const sender = t.wallet(4);
  const nonce = await t.read.getTransactionCount({ address: sender.address });
  const seen: Array<{ hash: string; nonce: number; known: boolean }> = [];
  const { hash } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 60n, serviceType: 1, providerId: 0n, deposit: 600n }, {
    beforeBroadcast: async (tx) => {
      const known = await t.read.getTransaction({ hash: tx.hash }).then(() => true, () => false);
      seen.push({ ...tx, known });
    },
  });
  assert.deepEqual(seen, [{ hash, nonce, known: false }]);
});

test("a beforeBroadcast that throws sends nothing: the nonce is unchanged and no stream exists; the wallet's next transaction takes that nonce", { timeout: 30_000 }, async () => {
  const sender = t.wallet(5);
  const nonce = await t.read.getTransactionCount({ address: sender.address });
  const balance = await t.read.getBalance({ address: sender.address });
  let hash = "";
  await assert.rejects(
    createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 60n, serviceType: 1, providerId: 0n, deposit: 600n }, {
      beforeBroadcast: (tx) => {
        hash = tx.hash;
        throw new Error("the log is full");
      },
    }),
    /the log is full/,
  );
  assert.match(hash, /^0x[0-9a-f]{64}$/);
  assert.equal(await t.read.getTransactionCount({ address: sender.address, blockTag: "pending" }), nonce, "nothing was broadcast");
  assert.equal(await t.read.getBalance({ address: sender.address }), balance);
  await assert.rejects(t.read.getTransaction({ hash: hash as `0x${string}` }), "the node never saw it");
  // No gap left behind (the nonce manager gave the nonce back): the next send uses it and is mined.
  const next = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 60n, serviceType: 1, providerId: 0n, deposit: 600n });
  assert.equal((await t.read.getTransaction({ hash: next.hash })).nonce, nonce);
});

test("a JSON-RPC account (it cannot sign locally) gets beforeBroadcast right after the send, with the same hash and nonce", { timeout: 30_000 }, async () => {
  const address = t.wallet(6).address;
  const rpc = createWalletProviderClients({ chain: t.wallet(0).chain, provider: { request: t.read.request }, address, pollingIntervalMs: 50 });
  const nonce = await t.read.getTransactionCount({ address });
  const seen: Array<{ hash: string; nonce: number; known: boolean }> = [];
  const { hash } = await createStream(rpc, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 60n, serviceType: 1, providerId: 0n, deposit: 600n }, {
    beforeBroadcast: async (tx) => {
      seen.push({ ...tx, known: await t.read.getTransaction({ hash: tx.hash }).then(() => true, () => false) });
    },
  });
  assert.deepEqual(seen, [{ hash, nonce, known: true }], "called once, after the node has it (the documented smaller window)");
});

/**
 * A loopback JSON-RPC proxy in front of anvil that forwards the first `drops` eth_sendRawTransaction
 * calls to the node and then cuts the connection instead of answering: the node took the transaction,
 * the sender never heard so.
 */
async function lossyRpc(target: string, drops: number): Promise<{ url: string; forwarded: () => number; close: () => void }> {
  let forwarded = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      const text = await answer.text();
      if (body.includes("eth_sendRawTransaction") && forwarded++ < drops) return void req.socket.destroy();
      res.writeHead(answer.status, { "content-type": "application/json" }).end(text);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, forwarded: () => forwarded, close: () => server.close() };
}

test("an opening the node took but whose answer was lost is that opening: no second transaction, one stream, the hooked hash", { timeout: 30_000 }, async () => {
  const proxy = await lossyRpc(t.anvil.rpcUrl, 2);
  try {
    const sender = createChainClients({ rpcUrl: proxy.url, chainId: t.anvil.chainId, privateKey: t.anvil.accounts[7]!.privateKey, pollingIntervalMs: 50 });
    const nonce = await t.read.getTransactionCount({ address: sender.address });
    const hooked: string[] = [];
    const { hash, stream } = await createStream(sender, { streamPay: t.contracts.streamPay, recipient: t.wallet(2).address, durationSeconds: 60n, serviceType: 1, providerId: 0n, deposit: 600n }, {
      beforeBroadcast: (tx) => void hooked.push(tx.hash),
    });
    assert.ok(proxy.forwarded() >= 1, "the node got the transaction and its answer was cut");
    assert.deepEqual(hooked, [hash], "one opening, the one logged before its broadcast");
    assert.equal(await t.read.getTransactionCount({ address: sender.address }), nonce + 1, "one transaction, no second deposit");
    assert.equal((await t.read.getTransaction({ hash })).nonce, nonce);
    assert.equal(stream.sender, sender.address);
  } finally {
    proxy.close();
  }
});
