import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openSqliteAsyncStore } from "../store/async-sqlite.ts";
import { createRole } from "./roles.ts";
import { underRole } from "./under-role.ts";

const dir = mkdtempSync(join(tmpdir(), "claw-roles-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(check(), what);
};

test("one instance holds a role; the other takes it over when the holder stops or its store closes", async () => {
  const path = join(dir, "roles.db");
  const a = openSqliteAsyncStore({ path });
  const b = openSqliteAsyncStore({ path });
  const events: string[] = [];
  const ra = createRole(a, "settler", { retryMs: 50, onGain: () => events.push("a+"), onLose: () => events.push("a-") });
  const rb = createRole(b, "settler", { retryMs: 50, onGain: () => events.push("b+"), onLose: () => events.push("b-") });
  assert.equal(await ra.attempt(), true);
  rb.start();
  assert.equal(await rb.attempt(), false, "held by a");
  assert.equal(rb.held(), false);
  await ra.stop();
  await until(() => rb.held(), "b took the role at its next retry");
  // b's store closes (as its process would end): the role is lost, and a new asker gets it.
  const c = openSqliteAsyncStore({ path });
  const rc = createRole(c, "settler", { retryMs: 50 });
  rc.start();
  await b.close();
  await until(() => !rb.held() && rc.held(), "c took it once b's store closed");
  assert.deepEqual(events, ["a+", "a-", "b+", "b-"]);
  await rb.stop();
  await rc.stop();
  await a.close();
  await c.close();
});

test("underRole runs one holder at a time", async () => {
  const path = join(dir, "registrar.db");
  const a = openSqliteAsyncStore({ path });
  const b = openSqliteAsyncStore({ path });
  let inside = 0;
  let most = 0;
  const work = async () => {
    inside++;
    most = Math.max(most, inside);
    await new Promise((r) => setTimeout(r, 100));
    inside--;
  };
  await Promise.all([underRole(a, "registrar", work, { retryMs: 20 }), underRole(b, "registrar", work, { retryMs: 20 })]);
  assert.equal(most, 1);
  await a.close();
  await b.close();
});
