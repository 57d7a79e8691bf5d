/**
 * Runs one test suite against every store driver. A driver that cannot load in this runtime
 * (node:sqlite on Node 20, better-sqlite3 built for another Node) is skipped with the reason, so the
 * same files run on Node 20 (better-sqlite3) and on Node 24 (node:sqlite: `npm test -- --only node24`).
 * CLAW_STORE_DRIVERS=node:sqlite (comma-separated) narrows the list; CLAW_STORE_REQUIRE_DRIVERS=1 turns
 * "unavailable" into a failure instead of a skip (the node24 run sets both, so it cannot pass vacuously).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { driverAvailability, type DriverName } from "../driver.ts";

export const allDrivers: DriverName[] = ["better-sqlite3", "node:sqlite"];

/** The drivers selected for this run (all by default). */
export function selectedDrivers(): DriverName[] {
  const env = process.env.CLAW_STORE_DRIVERS;
  if (!env) return allDrivers;
  return env.split(",").map((s) => s.trim()).filter((s): s is DriverName => (allDrivers as string[]).includes(s));
}

/**
 * @example
 * forEachDriver("append", (driver) => { test("...", () => { openStore({ path, driver }) }) });
 */
export function forEachDriver(title: string, suite: (driver: DriverName) => void): void {
  for (const driver of selectedDrivers()) {
    const available = driverAvailability(driver);
    if (!available.ok && process.env.CLAW_STORE_REQUIRE_DRIVERS === "1") {
      describe(`${title} [${driver}]`, () => test("driver loads", () => assert.fail(available.reason)));
      continue;
    }
    const skip = available.ok ? false : `${driver} unavailable here: ${available.reason.split("\n")[0]}`;
    describe(`${title} [${driver}]`, { skip }, () => suite(driver));
  }
}

/** A fresh temp folder removed after the test file. */
export function tempDir(prefix = "claw-store-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
