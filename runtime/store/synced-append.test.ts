/**
 * `append(events, { synced: true })`: that one commit runs under synchronous=FULL (its WAL frames are
 * fsynced before it returns) on a log kept at "normal", and the log is back at NORMAL afterwards, also
 * when the append fails. The gateway logs a stream's opening this way (runtime/gateway/log.ts).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import * as ev from "../core/events.ts";
import { providerFault } from "../client/faults.ts";
import { openGatewayLog } from "../gateway/log.ts";
import { openStore } from "./open.ts";
import type { AppendOptions, StoreTransaction } from "./types.ts";
import { forEachDriver, tempDir } from "./testing/drivers.ts";

const accepted = (nonce: bigint) =>
  ev.jobAccepted({ jobId: `job-${nonce}`, streamId: 1n, offering: "echo-1", providerId: 1n, nonce, bodyHash: "0x01", signer: "0xa", pricePerSecond: 10n, task: "chat" });
const levelIn = (tx: StoreTransaction) => Number(Object.values(tx.get("PRAGMA synchronous") ?? {})[0]);

forEachDriver("synced append", (driver) => {
  const dir = tempDir();
  let n = 0;
  const fresh = (durability: "normal" | "full" = "normal") => openStore({ path: join(dir, `s${++n}.db`), driver, durability });

  test("commits that one append under synchronous=FULL and the others under NORMAL", () => {
    const store = fresh();
    const seen: number[] = [];
    const watch = (synced: boolean): AppendOptions => ({ synced, before: (tx) => void seen.push(levelIn(tx)) });
    store.append(accepted(1n), watch(false));
    store.append(accepted(2n), watch(true));
    store.append(accepted(3n), watch(false));
    assert.deepEqual(seen, [1, 2, 1]);
    assert.equal(store.info().synchronous, 1, "back at NORMAL");
    assert.equal(store.lastPosition(), 3);
    store.close();
  });

  test("a synced append that fails writes nothing and still leaves the log at NORMAL", () => {
    const store = fresh();
    assert.throws(() => store.append(accepted(1n), { synced: true, before: () => { throw new Error("refused"); } }), /refused/);
    assert.equal(store.lastPosition(), 0);
    assert.equal(store.info().synchronous, 1);
    store.append(accepted(1n));
    assert.equal(store.lastPosition(), 1);
    store.close();
  });

  test("on a log kept at full durability every commit stays FULL", () => {
    const store = fresh("full");
    const seen: number[] = [];
    store.append(accepted(1n), { synced: true, before: (tx) => void seen.push(levelIn(tx)) });
    store.append(accepted(2n), { before: (tx) => void seen.push(levelIn(tx)) });
    assert.deepEqual(seen, [2, 2]);
    assert.equal(store.info().synchronous, 2);
    store.close();
  });
});

test("the gateway syncs a stream's opening to disk, and not its paid requests", () => {
  const log = openGatewayLog(join(tempDir(), "gateway.db"), "0x00000000000000000000000000000000000000aa");
  const calls: Array<{ type: string; synced: boolean }> = [];
  const append = log.store.append.bind(log.store);
  log.store.append = (events, opts) => {
    for (const e of [events].flat()) calls.push({ type: e.type, synced: opts?.synced === true });
    return append(events, opts);
  };
  log.streamOpening({
    txHash: `0x${"ab".repeat(32)}`, sender: "0x00000000000000000000000000000000000000aa", recipient: "0x00000000000000000000000000000000000000bb",
    providerId: 1n, deposit: 10n ** 15n, durationSeconds: 600n, serviceType: 1, nonce: 7,
  });
  log.fault(providerFault(1n, "cost-negative", "reported -5 wei"));
  assert.deepEqual(calls, [{ type: "StreamOpening", synced: true }, { type: "ProviderFaulted", synced: false }]);
  log.close();
});
