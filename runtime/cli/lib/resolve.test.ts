import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClawError } from "../../core/errors.ts";
import type { DeploymentRecord } from "../../chain/deploy.ts";
import { findDevInfo, resolveChain } from "./resolve.ts";

const key = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;

/** A minimal JSON-RPC node answering eth_chainId over real HTTP. */
async function fakeNode(chainId: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (b) => (body += b));
    req.on("end", () => {
      const { id } = JSON.parse(body) as { id: number };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id, result: `0x${chainId.toString(16)}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe("resolveChain", () => {
  const dir = mkdtempSync(join(tmpdir(), "claw-resolve-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const contracts = { registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3", streamPay: "0xa16E02E87b7454126E5E10d957A927A7F5B5d2be" } as const;

  test("without an RPC URL or a local market it is a configuration error saying what to set", async () => {
    await assert.rejects(resolveChain({}, "consumer", { cwd: dir, env: { CLAW_DEV_INFO: join(dir, "none.json") } }), (e) => isClawError(e, "CONFIG_INVALID") && /CLAW_RPC_URL/.test(e.message));
  });

  test("the local market's dev.json (found from a sub-folder) gives the chain, contracts and the role's account", async () => {
    const node = await fakeNode(31337);
    try {
      mkdirSync(join(dir, ".claw"), { recursive: true });
      mkdirSync(join(dir, "sub/deeper"), { recursive: true });
      const accounts = [
        { address: "0x1", privateKey: key(1), role: "provider" },
        { address: "0x2", privateKey: key(2), role: "consumer" },
        { address: "0x3", privateKey: key(3), role: "consumer" },
      ];
      writeFileSync(join(dir, ".claw/dev.json"), JSON.stringify({ rpcUrl: node.url, chainId: 31337, contracts, providerUrl: "http://p", accounts }));
      assert.equal(findDevInfo(join(dir, "sub/deeper"), {})?.path, join(dir, ".claw/dev.json"));
      const consumer = await resolveChain({}, "consumer", { cwd: join(dir, "sub/deeper"), env: {} });
      assert.equal(consumer.source, "dev");
      assert.equal(consumer.options.privateKey, key(2), "the first consumer account");
      assert.deepEqual(consumer.options.contracts, contracts);
      assert.equal((await resolveChain({}, "provider", { cwd: dir, env: {} })).options.privateKey, key(1));
      assert.equal((await resolveChain({}, "consumer", { cwd: dir, env: { PRIVATE_KEY: key(9).slice(2) } })).options.privateKey, key(9), "PRIVATE_KEY wins, 0x optional");
      // A real network with the same chain id borrows the market's contracts; a wallet is required.
      const env = { CLAW_RPC_URL: node.url, PRIVATE_KEY: key(7) };
      assert.deepEqual((await resolveChain({}, "consumer", { cwd: dir, env })).options.contracts, contracts);
      await assert.rejects(resolveChain({}, "consumer", { cwd: dir, env: { CLAW_RPC_URL: node.url } }), (e) => isClawError(e, "CONFIG_INVALID") && /PRIVATE_KEY/.test(e.message));
      await assert.rejects(resolveChain({ registry: "nope" }, "consumer", { cwd: dir, env }), (e) => isClawError(e, "CONFIG_INVALID"));
    } finally {
      await node.close();
    }
  });

  test("the recorded deployment of a real network gives its addresses and where event scans start", async () => {
    const node = await fakeNode(97);
    try {
      const record: DeploymentRecord = { chainId: 97, registry: contracts.registry, streamPay: contracts.streamPay, blockNumber: "4200", deployedAt: "2026-11-29T00:00:00Z" };
      const deployments = (id: number) => (id === 97 ? record : undefined);
      const env = { CLAW_RPC_URL: node.url, PRIVATE_KEY: key(7) };
      const { options } = await resolveChain({}, "consumer", { cwd: dir, env, deployments });
      assert.deepEqual([options.contracts, options.fromBlock], [contracts, 4200n]);
      // Other contracts than the recorded ones: their deployment block is unknown, scans start at 0.
      const other = await resolveChain({ streamPay: "0x000000000000000000000000000000000000bEEF" }, "consumer", { cwd: dir, env, deployments });
      assert.equal(other.options.fromBlock, undefined);
    } finally {
      await node.close();
    }
  });

  test("an RPC URL that does not answer is CHAIN_UNAVAILABLE; a dev.json whose chain is down says to start it", async () => {
    await assert.rejects(resolveChain({ rpc: "http://127.0.0.1:1" }, "consumer", { cwd: dir, env: { PRIVATE_KEY: key(1) } }), (e) => isClawError(e, "CHAIN_UNAVAILABLE"));
    writeFileSync(join(dir, "down.json"), JSON.stringify({ rpcUrl: "http://127.0.0.1:1", chainId: 31337, contracts, providerUrl: "", accounts: [] }));
    await assert.rejects(resolveChain({}, "consumer", { cwd: dir, env: { CLAW_DEV_INFO: join(dir, "down.json") } }), (e) => isClawError(e, "CONFIG_INVALID") && /npm start/.test(e.message));
  });
});
