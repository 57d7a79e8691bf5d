/**
 * `npm run soak:store [-- --rounds N]`: the crash test at length (default 25 rounds per driver,
 * at least 20). better-sqlite3 runs on this Node; node:sqlite runs its writer on the Node 24 shim
 * (contracts/node_modules/.bin/node) while this process checks the file with better-sqlite3, so
 * the two drivers also prove they read each other's files.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { driverAvailability } from "../runtime/store/driver.ts";
import { runCrashRounds } from "./store-crash-harness.ts";

const args = process.argv.slice(2);
const rounds = Math.max(20, Number(args[args.indexOf("--rounds") + 1] ?? 25) || 25);
const node24 = resolve(import.meta.dirname, "../contracts/node_modules/.bin/node");
const dir = mkdtempSync(join(tmpdir(), "claw-soak-"));
let failed = false;

const plans = [
  { label: "better-sqlite3", driver: "better-sqlite3" as const, nodeBinary: process.execPath, checkDriver: "better-sqlite3" as const },
  { label: "node:sqlite (writer on Node 24)", driver: "node:sqlite" as const, nodeBinary: node24, checkDriver: "better-sqlite3" as const },
];
try {
  for (const plan of plans) {
    if (plan.driver === "node:sqlite" && !existsSync(node24) && !driverAvailability("node:sqlite").ok) {
      console.log(`skip ${plan.label}: no Node >= 22.5 here (${node24} missing)`);
      continue;
    }
    const nodeBinary = plan.driver === "node:sqlite" && !existsSync(node24) ? process.execPath : plan.nodeBinary;
    const checkDriver = driverAvailability(plan.checkDriver).ok ? plan.checkDriver : plan.driver;
    console.log(`\n== ${plan.label}: ${rounds} rounds`);
    const started = Date.now();
    try {
      const results = await runCrashRounds({
        path: join(dir, `${plan.driver.replace(":", "-")}.db`), rounds, driver: plan.driver, nodeBinary, checkDriver, log: console.log,
      });
      const acked = results.reduce((s, r) => s + r.acked, 0);
      console.log(`ok: ${results.length} kills, ${acked} acknowledged appends all present, ` +
        `${results[results.length - 1]?.total ?? 0} events in the log, chain verified each time (${Date.now() - started} ms)`);
    } catch (err) {
      failed = true;
      console.error(`FAIL ${plan.label}: ${(err as Error).message}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
