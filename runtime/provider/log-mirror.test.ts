import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { isClawError } from "../core/errors.ts";
import { jobAccepted, jobCompleted, jobStarted } from "../core/events.ts";
import { openSqliteAsyncStore } from "../store/async-sqlite.ts";
import { openLogMirror } from "./log-mirror.ts";

const dir = mkdtempSync(join(tmpdir(), "claw-mirror-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const accepted = (i: number) => jobAccepted({ jobId: `j${i}`, streamId: 1n, offering: "echo", providerId: 1n, nonce: BigInt(i), bodyHash: "0x", signer: "0x", pricePerSecond: 1000n, task: "chat" });

test("the copy holds the shared log at the same positions with the same hashes, follows every writer, and refuses writes", async () => {
  const path = join(dir, "shared.db");
  const writerA = openSqliteAsyncStore({ path, pollMs: 20 });
  const writerB = openSqliteAsyncStore({ path, pollMs: 20 });
  for (let i = 0; i < 5; i++) await writerA.append([accepted(i), jobStarted({ jobId: `j${i}`, streamId: 1n, queuedMs: 1 })]);
  // A copy left by a killed instance (its process is gone) is removed; one of a live process is kept.
  const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
  const stale = join(dir, `claw-log-copy-${deadPid}-old`);
  const live = join(dir, `claw-log-copy-${process.pid}-live`);
  for (const d of [stale, live]) {
    mkdirSync(d);
    writeFileSync(join(d, "copy.db"), "x");
  }
  const mirror = await openLogMirror(writerA, { dir });
  assert.equal(existsSync(stale), false, "a dead instance's copy is removed");
  assert.equal(existsSync(live), true, "a live process's copy is kept");
  // On disk, not in memory (a copy in memory grew by every event ever logged), in a directory of its own.
  const copyPath = mirror.log.info().path;
  assert.ok(copyPath.startsWith(join(dir, `claw-log-copy-${process.pid}-`)), copyPath);
  assert.ok(existsSync(copyPath));
  // The stores' poll timers do not keep a process alive (a runtime's server does): this test's does.
  const alive = setInterval(() => undefined, 1_000);
  const seen: number[] = [];
  mirror.log.subscribe((e) => seen.push(e.position));
  assert.equal(mirror.log.lastPosition(), 10, "the history");
  // Another instance (another store on the same log) appends: the copy follows by polling.
  const { stored } = await writerB.append(jobCompleted({ jobId: "j0", streamId: 1n, meteredMs: 5n, cost: 5n, tokens: {} }));
  await mirror.waitFor(stored[0]!.position);
  await writerA.append(accepted(99));
  await mirror.catchUp();
  assert.deepEqual(seen, [11, 12], "each later event once, in order");
  const shared = await writerA.read();
  assert.deepEqual(mirror.log.read().map((e) => [e.position, e.hash]), shared.map((e) => [e.position, e.hash]), "an exact copy");
  assert.equal(mirror.log.verify().ok, true);
  assert.equal(mirror.log.hasNonce(1n, 99n), true);
  assert.throws(() => mirror.log.append(accepted(100)), (e) => isClawError(e, "STORE_READ_ONLY"));
  assert.throws(() => mirror.log.setCursor("x", "1"), (e) => isClawError(e, "STORE_READ_ONLY"));
  assert.equal(mirror.broken, undefined);
  const pending = mirror.waitFor(1_000);
  mirror.close();
  await assert.rejects(pending, (e) => isClawError(e, "STORE_CLOSED"), "a waiter is not left hanging at close");
  assert.equal(existsSync(dirname(copyPath)), false, "the copy's directory is removed at close");
  clearInterval(alive);
  await writerA.close();
  await writerB.close();
});
