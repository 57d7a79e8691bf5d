import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, describe, test } from "node:test";
import { isClawError } from "../core/errors.ts";
import { openStore } from "../store/index.ts";
import { acquireInstanceLock, openLocked, realLogPath } from "./instance-lock.ts";

const dir = mkdtempSync(join(tmpdir(), "claw-lock-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const locked = (e: unknown) => isClawError(e, "STORE_LOCKED");
const childScript = fileURLToPath(new URL("instance-lock-child.ts", import.meta.url));

/** A real other runtime process (instance-lock-child.ts): reports ready, takes the lock on "go", holds it. */
type Child = { proc: ChildProcess; next(): Promise<string>; go(): void; kill(): Promise<void> };
function startChild(log: string): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", childScript, log], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: Interface = createInterface({ input: proc.stdout! });
  const queue: string[] = [];
  const waiting: Array<(l: string) => void> = [];
  lines.on("line", (l) => (waiting.length ? waiting.shift()!(l) : queue.push(l)));
  return {
    proc,
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((res) => waiting.push(res))),
    go: () => proc.stdin!.write("go\n"),
    kill: () => new Promise((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once("exit", () => done());
      proc.kill("SIGKILL");
    }),
  };
}

/** A child that took the lock: killed -9 it leaves its holder file and lock file behind, like a crash. */
async function holdingChild(log: string): Promise<Child> {
  const c = startChild(log);
  assert.equal(await c.next(), "ready");
  c.go();
  assert.equal(await c.next(), "won");
  return c;
}

describe("one runtime per event log", () => {
  test("a second runtime in this process is refused until the first releases", () => {
    const log = join(dir, "a.db");
    const first = acquireInstanceLock(log);
    assert.throws(() => acquireInstanceLock(log), locked);
    first.release();
    assert.equal(existsSync(first.path), false, "the holder file is removed on release");
    acquireInstanceLock(log).release();
  });

  test("a lock held by another live process is refused, naming it; once that process is killed -9 it is taken over", { timeout: 60_000 }, async () => {
    const log = join(dir, "b.db");
    const other = await holdingChild(log);
    assert.throws(() => acquireInstanceLock(log), (e) => locked(e) && new RegExp(`pid ${other.proc.pid} `).test((e as Error).message));
    await other.kill();
    assert.equal(JSON.parse(readFileSync(`${log}.lock`, "utf8")).pid, other.proc.pid, "the crash left its holder file");
    const lock = acquireInstanceLock(log);
    assert.equal(JSON.parse(readFileSync(lock.path, "utf8")).pid, process.pid);
    lock.release();
  });

  test("after a crash, many runtimes starting at once: exactly one takes the stale lock over", { timeout: 180_000 }, async () => {
    const log = join(dir, "race.db");
    await (await holdingChild(log)).kill(); // the stale lock: holder file and lock file of a dead process
    const racers = Array.from({ length: 8 }, () => startChild(log));
    try {
      for (const r of racers) assert.equal(await r.next(), "ready");
      for (const r of racers) r.go(); // all start their takeover together
      const results = await Promise.all(racers.map((r) => r.next()));
      assert.equal(results.filter((r) => r === "won").length, 1, results.join(", "));
      assert.equal(results.filter((r) => r === "locked STORE_LOCKED").length, racers.length - 1, results.join(", "));
      const winner = racers[results.indexOf("won")]!;
      assert.throws(() => acquireInstanceLock(log), (e) => locked(e) && new RegExp(`pid ${winner.proc.pid} `).test((e as Error).message));
    } finally {
      await Promise.all(racers.map((r) => r.kill()));
    }
  });

  test("the lock follows the real path: a symlink to the log, or to its folder, is refused while it is held", { timeout: 60_000 }, async () => {
    const realDir = join(dir, "real");
    mkdirSync(realDir);
    const log = join(realDir, "events.db");
    openStore({ path: log }).close();
    symlinkSync(log, join(dir, "link.db"));
    symlinkSync(realDir, join(dir, "linked-dir"));
    assert.equal(realLogPath(join(dir, "link.db")), realLogPath(log));
    assert.equal(realLogPath(join(dir, "linked-dir", "not-yet.db")), join(realLogPath(realDir), "not-yet.db"));
    const other = await holdingChild(log);
    try {
      for (const alias of [join(dir, "link.db"), join(dir, "linked-dir", "events.db"), join(dir, "linked-dir", "..", "real", "events.db")]) {
        assert.throws(() => acquireInstanceLock(alias), locked, alias);
      }
    } finally {
      await other.kill();
    }
    // Nor does a log that does not exist yet escape through a symlinked folder.
    const fresh = acquireInstanceLock(join(dir, "linked-dir", "new.db"));
    assert.throws(() => acquireInstanceLock(join(realDir, "new.db")), locked);
    fresh.release();
    acquireInstanceLock(log).release();
  });

  test("a lock from another host cannot be checked: refused, naming the file to remove", () => {
    const log = join(dir, "c.db");
    writeFileSync(`${log}.lock`, JSON.stringify({ pid: 1, host: "elsewhere.example", startedAt: "2026-01-01T00:00:00Z", lock: "sqlite" }));
    assert.throws(() => acquireInstanceLock(log), (e) => locked(e) && (e as Error).message.includes(`${log}.lock`));
  });

  test("an older runtime (holder file, no SQLite lock) still running is refused; a dead one's file is replaced", { timeout: 60_000 }, async () => {
    const log = join(dir, "legacy.db");
    const sleeper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    await new Promise((res) => sleeper.once("spawn", res));
    writeFileSync(`${log}.lock`, JSON.stringify({ pid: sleeper.pid, host: hostname(), startedAt: new Date().toISOString() }));
    assert.throws(() => acquireInstanceLock(log), (e) => locked(e) && /older ClawCompute/.test((e as Error).message));
    await new Promise((res) => { sleeper.once("exit", res); sleeper.kill("SIGKILL"); });
    const lock = acquireInstanceLock(log);
    assert.equal(JSON.parse(readFileSync(lock.path, "utf8")).pid, process.pid);
    lock.release();
  });

  test("releasing never removes a holder file another runtime wrote", () => {
    const log = join(dir, "d.db");
    const mine = acquireInstanceLock(log);
    const theirs = JSON.stringify({ pid: process.pid + 1, host: hostname(), startedAt: "later", lock: "sqlite" });
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
    acquireInstanceLock(bad).release();
  });
});
