/**
 * Keeps the runtime portable to Deno 2: runtime/, plugins/ and config/ follow the rules in
 * test/support/deno-portability.ts (written down in docs/deno.md), with the few justified
 * exceptions below, and the checker itself is shown to catch each kind of violation.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkTree, packageHasNativeAddon, scanSource, type Rule } from "./support/deno-portability.ts";
import { repoRoot } from "./support/deno.ts";

/** Justified exceptions: file, rule, and why. Each must still be needed (a stale entry fails the test). */
const allowed: Array<{ file: string; rule: Rule; why: string }> = [
  {
    file: "plugins/loader.ts", rule: "process",
    why: "createBackend's default env when the caller passes none (plugin authors' tests, the SDK); read through a guarded globalThis.process?.env, so it is {} where there is no process",
  },
];

const key = (v: { file: string; rule: Rule }) => `${v.file} ${v.rule}`;

describe("Deno portability", () => {
  test("runtime/, plugins/ and config/ use no API Deno lacks; core, scheduler, server and plugins no process or global Buffer", () => {
    const found = checkTree(repoRoot);
    const unexpected = found.filter((v) => !allowed.some((a) => key(a) === key(v)));
    assert.deepEqual(unexpected.map((v) => `${v.rule}: ${v.file}:${v.line} ${v.text}`), [], "see docs/deno.md, “The portability rule”");
    const stale = allowed.filter((a) => !found.some((v) => key(v) === key(a)));
    assert.deepEqual(stale, [], "an allowed exception no longer occurs: remove it from the list");
  });

  const native = (spec: string) => spec === "better-sqlite3";
  const rules = (file: string, text: string) => scanSource(file, text, native).map((v) => `${v.rule}@${v.line}`);

  test("catches each kind of violation in a portable part", () => {
    assert.deepEqual(rules("runtime/core/x.ts", 'import fs from "fs";'), ["node-prefix@1"]);
    assert.deepEqual(rules("runtime/server/x.ts", 'import cluster from "node:cluster";\nimport vm from "node:vm";'), ["node-missing@1", "node-missing@2"]);
    assert.deepEqual(rules("runtime/scheduler/x.ts", 'import { spawn } from "node:child_process";'), ["node-builtin@1"]);
    assert.deepEqual(rules("plugins/x/index.ts", 'import Database from "better-sqlite3";'), ["native-addon@1"]);
    assert.deepEqual(rules("plugins/x/index.ts", 'const m = await import("better-sqlite3");'), ["native-addon@1"]);
    assert.deepEqual(rules("runtime/core/x.ts", "const here = __dirname;\nconst r = require;"), ["cjs-global@1", "cjs-global@2"]);
    assert.deepEqual(rules("runtime/core/x.ts", "export const key = process.env.KEY;"), ["process@1"]);
    assert.deepEqual(rules("runtime/server/x.ts", "const p = (globalThis as any).process;\nconst o = { process };"), ["process@1", "process@2"]);
    assert.deepEqual(rules("plugins/x/index.ts", 'const b = Buffer.from("x");'), ["buffer-global@1"]);
    assert.deepEqual(rules("runtime/core/x.ts", "global.x = 1;\nDeno.exit(1);"), ["global@1", "deno-global@2"]);
    assert.deepEqual(rules("runtime/core/x.ts", 'import test from "node:test";'), ["node-missing@1"]);
  });

  test("does not count what is not a use: imports, type positions, property names, comments, strings, local bindings", () => {
    const clean = [
      'import { Buffer } from "node:buffer";\nconst b = Buffer.from("x");',
      "// process.env.KEY is read by the entry point\nconst s = \"process.exit\";",
      "type B = { body: Buffer; env: typeof process.env };\nfunction f(x: NodeJS.ProcessEnv): void {}",
      "const o = { process: 1, require: 2 };\nconst v = o.process + o.require;",
      "function run(process: () => void) { process(); }",
      'import type Database from "better-sqlite3";',
      'import { helper } from "../lib/helper.ts";',
    ];
    for (const text of clean) assert.deepEqual(rules("runtime/server/x.ts", text), [], text);
    assert.deepEqual(rules("plugins/testing/conformance.ts", 'import { test } from "node:test";'), [], "testing/ helpers may use node:test");
  });

  test("outside the portable parts process and other built-ins are fine, and the runtime-specific files are exempt", () => {
    assert.deepEqual(rules("runtime/provider/x.ts", 'import { spawn } from "node:child_process";\nconst cwd = process.cwd();'), []);
    assert.deepEqual(rules("runtime/chain/x.ts", "const here = __dirname;\nDeno.exit(0);\nimport x from \"node:vm\";"), ["cjs-global@1", "deno-global@2", "node-missing@3"]);
    assert.deepEqual(rules("runtime/store/driver-better-sqlite3.ts", 'import Database from "better-sqlite3";\nimport "node:sqlite";'), []);
    assert.deepEqual(rules("runtime/store/open.ts", 'import "node:sqlite";'), ["node-missing@1"]);
    assert.deepEqual(rules("runtime/entry/deno.ts", "Deno.exit(0);"), []);
  });

  test("native addons are found in a package or its dependencies, from the real node_modules", () => {
    assert.equal(packageHasNativeAddon("better-sqlite3", repoRoot), true);
    for (const pure of ["fastify", "viem", "pino", "p-queue", "zod"]) assert.equal(packageHasNativeAddon(pure, repoRoot), false, pure);
  });
});
