/**
 * One instance per log, and so per wallet (issue 12): a second runtime started on a log a live
 * runtime holds is refused STORE_LOCKED before it opens the log, serves or registers anything; once
 * the first one is closed, the log can be opened again. Real anvil, real runtime.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { isClawError } from "../runtime/core/errors.ts";
import { startMarket, type Market } from "./support/market.ts";

let m: Market;
before(async () => {
  m = await startMarket();
});
after(() => m?.close());

test("a second runtime on the same log is refused while the first runs, and starts once it is closed", async () => {
  assert.equal(existsSync(`${m.storePath}.lock`), true, "the running runtime holds the lock");
  const before = m.provider.store.lastPosition();
  await assert.rejects(m.start(), (e) => isClawError(e, "STORE_LOCKED") && /another running runtime/.test((e as Error).message));
  assert.equal(m.provider.store.lastPosition(), before, "the refused runtime wrote nothing to the log");
  assert.equal((await fetch(`${m.provider.url}/v1/models`)).status, 200, "the first runtime still serves");
  await m.provider.close();
  assert.equal(existsSync(`${m.storePath}.lock`), false, "closing released the lock");
  m.provider = await m.start();
  assert.equal(existsSync(`${m.storePath}.lock`), true);
});
