import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { clientProfiles, createChainClients, createReadClient, type ClientProfile } from "./client.ts";

// A node that answers every request with 503: viem retries those, so the requests it receives per
// call are 1 + the profile's retryCount.
let server: Server;
let hits = 0;
let url = "";
before(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on("end", () => res.writeHead(503, { "content-type": "text/plain" }).end("busy"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

for (const profile of Object.keys(clientProfiles) as ClientProfile[]) {
  test(`profile ${profile}: ${clientProfiles[profile].retryCount} retries of a failing call, then the error`, async () => {
    hits = 0;
    const client = createReadClient({ rpcUrl: url, chainId: 31337, profile });
    await assert.rejects(client.getBlockNumber({ cacheTime: 0 }));
    assert.equal(hits, 1 + clientProfiles[profile].retryCount);
  });
}

test("a wallet's clients: background reads and writes, request-path reads, one account on the configured chain", async () => {
  const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;
  const c = createChainClients({ rpcUrl: url, chainId: 97, privateKey: key });
  assert.equal(c.chain.id, 97);
  assert.equal(c.walletClient.account.address, c.address);
  hits = 0;
  await assert.rejects(c.fastReadClient.getBlockNumber({ cacheTime: 0 }));
  assert.equal(hits, 1 + clientProfiles.request.retryCount);
  hits = 0;
  await assert.rejects(c.publicClient.getBlockNumber({ cacheTime: 0 }));
  assert.equal(hits, 1 + clientProfiles.background.retryCount);
});
