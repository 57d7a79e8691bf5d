/**
 * Leadership survives its holder's death on both drivers, with a real process: a child takes the
 * "settler" role and is SIGKILLed; while it lives nobody else can lead, after it dies another does.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openAsyncStore } from "./async-open.ts";
import type { LeaderLease } from "./async-types.ts";
import { isDeno } from "./driver.ts";
import { tempDir } from "./testing/drivers.ts";
import { freshDatabase, postgresSkip } from "./testing/postgres.ts";

const child = fileURLToPath(new URL("testing/lead-child.ts", import.meta.url));
// The child is a Node process with tsx; under Deno (runtime/store/ is also tested there) this file is skipped.
const skipUnderDeno = isDeno() ? "spawns Node with tsx (not under Deno)" : false;

async function crashTakeover(where: string): Promise<void> {
  const mine = await openAsyncStore({ url: where, path: where, leaderHeartbeatMs: 200 });
  const proc = spawn(process.execPath, ["--import", "tsx", child, where, "settler"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [line] = (await once(createInterface({ input: proc.stdout! }), "line")) as [string];
    assert.match(line, /^leading /, "the child leads first");
    assert.equal(await mine.tryLead("settler"), null, "no second leader while the holder lives");
    proc.kill("SIGKILL");
    await once(proc, "exit");
    let lease: LeaderLease | null = null;
    const until = Date.now() + 10_000;
    while ((lease = await mine.tryLead("settler")) === null) {
      assert.ok(Date.now() < until, "took over within 10 s of the holder's death");
      await sleep(50);
    }
    assert.equal(lease.held(), true);
    await lease.release();
  } finally {
    proc.kill("SIGKILL");
    await mine.close();
  }
}

describe("leader crash takeover [sqlite]", { skip: skipUnderDeno }, () => {
  test("a SIGKILLed holder process's leadership is taken over", { timeout: 60_000 }, () => crashTakeover(join(tempDir(), "lead.db")));
});

describe("leader crash takeover [postgres]", { skip: skipUnderDeno || postgresSkip() }, () => {
  test("a SIGKILLed holder process's session ends and its leadership is taken over", { timeout: 60_000 }, async () => crashTakeover(await freshDatabase()));
});
