/**
 * Adversary: the process is SIGKILLed while its checkpoint worker copies the WAL back. Reopened, the
 * log holds every acknowledged event and its hash chain verifies (SQLite's checkpoint is crash-safe;
 * this checks we did not break that, e.g. by a second connection's settings).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { driverAvailability } from "./driver.ts";
import { openStore } from "./open.ts";
import { tempDir } from "./testing/drivers.ts";

const skip = driverAvailability("better-sqlite3").ok ? false : "better-sqlite3 does not load here (the worker is better-sqlite3 only)";
const child = join(import.meta.dirname, "testing", "checkpoint-child.ts");

test("SIGKILL while the checkpoint worker runs: every acknowledged event is there, the chain verifies", { skip, timeout: 60_000 }, async () => {
  const path = join(tempDir("claw-ckcrash-"), "events.db");
  for (let round = 0; round < 3; round++) {
    const proc = spawn(process.execPath, ["--import", "tsx", child, path], { stdio: ["ignore", "pipe", "inherit"] });
    let acked = 0;
    let busySeen = 0;
    try {
      const exited = new Promise<void>((done) => proc.once("exit", () => done()));
      for await (const line of createInterface({ input: proc.stdout! })) {
        if (line === "ready") continue;
        const busy = line.startsWith("busy ");
        acked = Number(busy ? line.slice(5) : line);
        // Kill right after a line that saw the worker inside a checkpoint (from the third on: some WAL behind it).
        if (busy && ++busySeen === 3) {
          proc.kill("SIGKILL");
          break;
        }
      }
      await exited;
    } finally {
      proc.kill("SIGKILL");
    }
    assert.equal(busySeen, 3, `round ${round}: the child ended before its worker was seen checkpointing`);
    const store = openStore({ path, readonly: true });
    try {
      const v = store.verify();
      assert.equal(v.ok, true, v.reason);
      assert.ok(store.lastPosition() >= acked, `round ${round}: acknowledged ${acked}, reopened ${store.lastPosition()}`);
    } finally {
      store.close();
    }
  }
});
