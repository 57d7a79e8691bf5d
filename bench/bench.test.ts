/**
 * The benchmarks run and print well-formed results (`--quick`: tiny windows, nothing written). No
 * timing is asserted here: a benchmark figure is never a test threshold (bench/README.md).
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { runProcess } from "../test/support/processes.ts";

const root = resolve(import.meta.dirname, "..");

async function quick(script: string): Promise<{ rows: Array<Record<string, unknown>> }> {
  // Killed (with its servers and load generators) well before the test's own timeout: never left running.
  const r = await runProcess(process.execPath, ["--import", "tsx", resolve(root, script), "--quick"], { env: process.env, cwd: root, timeoutMs: 200_000 });
  assert.equal(r.timedOut, undefined, `${script} --quick still running after 200 s: ${r.stderr.slice(-3000)}`);
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  const last = r.stdout.trim().split("\n").at(-1)!;
  const parsed = JSON.parse(last) as { quick: boolean; rows: Array<Record<string, unknown>> };
  assert.equal(parsed.quick, true);
  return parsed;
}

/** "12.3", "12.3 (11–14)", "+0.5", "0.8x" — a number first, whatever the spread after it. */
const numeric = /^\+?-?\d+(\.\d+)?x?( \(-?\d+(\.\d+)?x?–-?\d+(\.\d+)?x?\))?$/;

test("bench:runtime --quick measures bare and paid side by side and prints every row with numbers", { timeout: 240_000 }, async () => {
  const { rows } = await quick("bench/runtime.ts");
  const metrics = rows.map((r) => r.metric);
  for (const m of ["requests/s @64 connections", "latency p50 @64 (ms)", "latency p99 @64 (ms)", "latency p50 @1, sequential (ms)", "server CPU per request @64 (ms)"]) {
    assert.ok(metrics.includes(m), `row ${m}`);
  }
  // The floors (bare + what a paid job must do by protocol) are measured in the same run, with their CPU.
  const floors = rows.filter((r) => String(r.metric).startsWith("floor: "));
  assert.equal(floors.length, 2, "two floor rows");
  for (const r of floors) assert.match(String(r["CPU ms per request"]), numeric, `${r.metric} CPU`);
  for (const r of rows) {
    assert.match(String(r.paid), numeric, `${r.metric} paid`);
    if (r.bare !== "") assert.match(String(r.bare), numeric, `${r.metric} bare`);
    if (r.target !== undefined) assert.equal(typeof r.ok, "boolean", `${r.metric} ok`);
  }
});

test("bench:gateway --quick measures the gateway against the SDK direct, first token and requests/s, with numbers", { timeout: 240_000 }, async () => {
  const { rows } = await quick("bench/gateway.ts");
  const metrics = rows.map((r) => String(r.metric));
  for (const m of ["first token p50 via gateway (ms)", "first token p50, SDK direct to the provider (ms)", "added by the gateway to first token, p50 (ms)", "gateway vs SDK direct, requests/s"]) {
    assert.ok(metrics.includes(m), `row ${m}`);
  }
  assert.ok(metrics.some((m) => m.startsWith("requests/s via gateway")) && metrics.some((m) => m.startsWith("requests/s, SDK direct")));
  for (const r of rows) assert.match(String(r.value), numeric, String(r.metric));
});
