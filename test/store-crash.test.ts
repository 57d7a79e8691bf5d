/**
 * Crash safety in CI: a child appends under load and is SIGKILLed at random moments; after each
 * kill every acknowledged append is present and the chain verifies. `npm run soak:store` runs more rounds.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { forEachDriver, tempDir } from "../runtime/store/testing/drivers.ts";
import { runCrashRounds } from "./store-crash-harness.ts";

forEachDriver("crash safety", (driver) => {
  test("SIGKILL at random moments loses no acknowledged append and never breaks the chain", { timeout: 120_000 }, async () => {
    const results = await runCrashRounds({ path: join(tempDir(), "crash.db"), rounds: 4, driver });
    assert.equal(results.length, 4);
    assert.ok(results.some((r) => r.acked > 0), "the child acknowledged appends before being killed");
    assert.ok(results.some((r) => r.durability === "full") && results.some((r) => r.durability === "normal"));
  });
});
