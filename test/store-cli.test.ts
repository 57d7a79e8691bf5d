/**
 * `claw log verify` and `claw replay` on real log files, through the real CLI (exit codes included).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sampleEvents } from "../runtime/core/testing/sample-events.ts";
import { openDriver } from "../runtime/store/driver.ts";
import { openStore } from "../runtime/store/open.ts";

const dir = mkdtempSync(join(tmpdir(), "claw-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const claw = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [resolve(import.meta.dirname, "../runtime/cli/bin.mjs"), ...args],
  { cwd: dir, encoding: "utf8", env: { ...process.env, CLAW_DEV_INFO: join(dir, "none.json"), ...env } });

function writeLog(name: string): string {
  const path = join(dir, name);
  const store = openStore({ path });
  store.append([...sampleEvents(7n), ...sampleEvents(8n, 2).slice(2, 9)]);
  store.close();
  return path;
}

test("claw log verify: 0 and the head hash when intact; 1 and the first bad position when tampered", () => {
  const path = writeLog("verify.db");
  const ok = claw({}, "log", "verify", "--db", path);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^ok: .*verify\.db: 22 events, hash chain intact \(head [0-9a-f]{64}\)/);
  const raw = openDriver(path, "auto", { readonly: false });
  raw.exec("DROP TRIGGER events_no_update; UPDATE events SET data = replace(data, '1500', '1') WHERE position = 6");
  raw.close();
  const broken = claw({}, "log", "verify", "--db", path, "--json");
  assert.equal(broken.status, 1);
  assert.deepEqual(JSON.parse(broken.stdout).firstBadPosition, 6);
  assert.match(claw({}, "log", "verify", "--db", path).stdout, /BROKEN: .* position 6: .*Events 1\.\.5 verify/);
});

test("claw replay prints the projections, honours --until, and finds the log through $CLAW_DB", () => {
  const path = writeLog("replay.db");
  const text = claw({ CLAW_DB: path }, "replay");
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /22 events replayed/);
  assert.match(text.stdout, /echo-1 +4 +2 +3500 +3500/);
  assert.match(text.stdout, /refused requests: NONCE_REPLAYED 2, SIGNATURE_MISSING 1/);
  const json = JSON.parse(claw({}, "replay", "--db", path, "--until", "6", "--json").stdout);
  assert.equal(json.log.position, 6);
  assert.equal(json.streams["7"].metered, "1500");
  assert.equal(json.earnings.openJobs, undefined);
});

test("a missing log is a clear error and a non-zero exit", () => {
  const r = claw({}, "replay", "--db", join(dir, "absent.db"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /STORE_NOT_FOUND: No event log at .*absent\.db/);
});
