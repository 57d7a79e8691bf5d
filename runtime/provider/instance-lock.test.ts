import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { isClawError } from "../core/errors.ts";
import { openStore } from "../store/index.ts";
import { acquireInstanceLock, openLocked } from "./instance-lock.ts";

const dir = mkdtempSync(join(tmpdir(), "claw-lock-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const locked = (e: unknown) => isClawError(e, "STORE_LOCKED");

/** A real other process that sleeps until killed: a live holder that is not us. */
function otherProcess(): Promise<{ pid: number; kill(): Promise<void> }> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => resolve({
      pid: child.pid!,
      kill: () => new Promise((done) => {
        child.once("exit", () => done());
        child.kill("SIGKILL");
      }),
    }));
  });
}

describe("one runtime per event log", () => {
  test("a second runtime in this process is refused until the first releases", () => {
    const log = join(dir, "a.db");
    const first = acquireInstanceLock(log);
    assert.throws(() => acquireInstanceLock(log), locked);
    first.release();
    assert.equal(existsSync(first.path), false, "the lock file is removed on release");
    acquireInstanceLock(log).release();
  });

  test("a lock held by another live process is refused; once that process is killed -9 it is taken over", async () => {
    const log = join(dir, "b.db");
    const other = await otherProcess();
    writeFileSync(`${log}.lock`, JSON.stringify({ pid: other.pid, host: hostname(), startedAt: new Date().toISOString() }));
    assert.throws(() => acquireInstanceLock(log), (e) => locked(e) && new RegExp(`pid ${other.pid}`).test((e as Error).message));
    await other.kill();
    const lock = acquireInstanceLock(log);
    assert.equal(JSON.parse(readFileSync(lock.path, "utf8")).pid, process.pid);
    lock.release();
  });

  test("a lock from another host cannot be checked: refused, naming the file to remove", () => {
    const log = join(dir, "c.db");
    writeFileSync(`${log}.lock`, JSON.stringify({ pid: 1, host: "elsewhere.example", startedAt: "2026-01-01T00:00:00Z" }));
    assert.throws(() => acquireInstanceLock(log), (e) => locked(e) && (e as Error).message.includes(`${log}.lock`));
  });

  test("releasing never removes a lock another runtime took over", () => {
    const log = join(dir, "d.db");
    const mine = acquireInstanceLock(log);
    const theirs = JSON.stringify({ pid: process.pid + 1, host: hostname(), startedAt: "later" });
    writeFileSync(mine.path, theirs);
    mine.release();
    assert.equal(readFileSync(mine.path, "utf8"), theirs);
  });

  test("closing the store releases the lock; a log that cannot be opened releases it at once", () => {
    const log = join(dir, "e.db");
    const store = openLocked(() => openStore({ path: log }), acquireInstanceLock(log));
    assert.throws(() => acquireInstanceLock(log), locked);
    store.close();
    acquireInstanceLock(log).release();
    const bad = join(dir, "not-a-log.db");
    writeFileSync(bad, "this is not sqlite at all, just text long enough to be a header.".repeat(20));
    assert.throws(() => openLocked(() => openStore({ path: bad }), acquireInstanceLock(bad)));
    assert.equal(existsSync(`${bad}.lock`), false);
  });
});
