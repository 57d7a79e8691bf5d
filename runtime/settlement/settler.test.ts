import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChainClients } from "../chain/client.ts";
import { createBudgetLedger } from "../scheduler/budget-ledger.ts";
import { createSettler } from "./settler.ts";

/** A chain that records every use: settling reads the stream on chain first. */
function recordingClients(used: string[]): ChainClients {
  const publicClient = new Proxy({}, { get: (_t, name) => () => { used.push(String(name)); throw new Error("the node is not reachable in this test"); } });
  return { publicClient } as unknown as ChainClients;
}

test("only the settler role's holder settles; beforeSettle can hold a due stream back", async () => {
  const ledger = createBudgetLedger();
  ledger.track(7n, { deposit: 1_000n, metered: 400n });
  ledger.close(7n); // due: closed to new jobs
  let leader = false;
  let allow = true;
  const used: string[] = [];
  const errors: unknown[] = [];
  const settler = createSettler({
    clients: recordingClients(used), streamPay: "0x0000000000000000000000000000000000000001", ledger, store: { append: () => undefined },
    idleSeconds: 30, minJobMs: 100, minPrice: () => 1n, confirmations: 1, isLeader: () => leader,
    beforeSettle: async () => allow, afterSettle: async () => void used.push("afterSettle"),
    onError: (_id, err) => errors.push(err),
  });
  settler.tick();
  await settler.stop();
  assert.deepEqual(used, [], "not the leader: nothing read, nothing sent");
  leader = true;
  allow = false;
  settler.tick();
  await settler.stop();
  assert.deepEqual(used, [], "the leader asks first; held back (nothing taken), it touches no chain");
  allow = true;
  settler.tick();
  await settler.stop();
  assert.deepEqual(used, ["readContract", "afterSettle"], "allowed: it reads the stream on chain, and afterSettle runs whatever the outcome");
  assert.equal(errors.length, 1, "the unreachable node is reported, to retry later");
});
