/**
 * The provider's SQLite log checkpoints in the background by default (config store.checkpoint), and
 * inline when the config says so. Real files; the worker itself is tested in runtime/store/checkpointer.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { parseConfig } from "../../config/load.ts";
import { checkpointerOf } from "../store/checkpointer.ts";
import { driverAvailability } from "../store/driver.ts";
import { openRuntimeStore } from "./open-runtime-store.ts";

const root = mkdtempSync(join(tmpdir(), "claw-ors-"));
after(() => rmSync(root, { recursive: true, force: true }));
const offerings = [{ model: "echo-1", backend: "echo", pricePerSecond: "1000" }];
const skip = driverAvailability("better-sqlite3").ok ? false : "better-sqlite3 does not load here";

test("store.checkpoint: background by default (a worker on the log), inline on request", { skip, timeout: 20_000 }, async () => {
  const config = parseConfig({ offerings, store: { path: "a/events.db" } });
  assert.equal(config.store.checkpoint, "background");
  const port = await openRuntimeStore(config, root);
  const ck = checkpointerOf(port.log);
  try {
    assert.ok(ck, "the runtime's log has a checkpoint worker");
    await ck.ready();
    assert.equal(ck.stats().mode, "background");
  } finally {
    await port.close();
  }
  assert.equal(ck.stats().mode, "inline", "closing the runtime's store stopped the worker");
  const inline = await openRuntimeStore(parseConfig({ offerings, store: { path: "b/events.db", checkpoint: "inline" } }), root);
  assert.equal(checkpointerOf(inline.log), undefined);
  await inline.close();
});
