/**
 * `claw` loads a provider's claw.config.ts wherever a user keeps it: a fresh folder with no
 * package.json (CommonJS by default) as well as an ES-module package, whether the file exports a
 * plain object or `defineConfig({...})` imported from "clawcompute/config". Each case runs the real
 * CLI (runtime/cli/bin.mjs, as `npx claw` does) in its own temp folder: `claw earnings --config`
 * reads store.path from the config and reports on that event log. "clawcompute/config" not installed
 * beside the config is the CLI's own package. A config the CLI cannot load is CONFIG_INVALID (exit 3)
 * naming the file and, for a syntax error, the line.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { openStore } from "../runtime/store/index.ts";

const repoRoot = resolve(import.meta.dirname, "..");
const bin = join(repoRoot, "runtime", "cli", "bin.mjs");
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Folder = { type: "commonjs" | "module"; installed: boolean };

/** A temp folder holding only claw.config.ts (+ package.json when ESM, + node_modules/clawcompute when installed). */
function folder(o: Folder, source: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), `claw-cfg-${o.type}-`));
  dirs.push(dir);
  if (o.type === "module") writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  if (o.installed) {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(repoRoot, join(dir, "node_modules", "clawcompute"), "dir"); // what `npm install` of the runtime leaves
  }
  const file = join(dir, "claw.config.ts");
  writeFileSync(file, source);
  return { dir, file };
}

const body = `{ store: { path: "from-config.db" }, offerings: [{ model: "m", backend: "echo", pricePerSecond: 7n }] }`;
const plain = `export default ${body};\n`;
const defined = `import { defineConfig } from "clawcompute/config";\nexport default defineConfig(${body});\n`;

/** Runs `claw <args>` in `cwd` with a small environment (nothing that could name another store). */
function claw(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: cwd, NO_COLOR: "1" };
  return new Promise((done) => {
    // `timeout` kills the child if it hangs; the test's own timeout bounds the whole case.
    execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe("claw loads claw.config.ts outside the project", { timeout: 120_000, concurrency: 3 }, () => {
  const cases: Array<[string, Folder, string]> = [
    ["no package.json (CommonJS folder), plain object", { type: "commonjs", installed: false }, plain],
    ["no package.json (CommonJS folder), defineConfig from clawcompute/config not installed there (the CLI's own)", { type: "commonjs", installed: false }, defined],
    ["ES-module package, plain object", { type: "module", installed: false }, plain],
    ["ES-module package, defineConfig from clawcompute/config installed there", { type: "module", installed: true }, defined],
  ];
  for (const [name, shape, source] of cases) {
    test(name, { timeout: 60_000 }, async () => {
      const { dir, file } = folder(shape, source);
      const storePath = join(dir, "from-config.db");
      openStore({ path: storePath }).close(); // an empty event log where the config says
      const r = await claw(dir, ["earnings", "--config", file, "--json"]);
      assert.equal(r.stderr, "", "nothing on stderr");
      assert.equal(r.code, 0);
      const report = JSON.parse(r.stdout) as { store: string; events: number };
      assert.equal(report.store, storePath, "the event log named by the config's store.path");
      assert.equal(report.events, 0);
    });
  }

  test("a syntax error is CONFIG_INVALID naming the file and the line", { timeout: 60_000 }, async () => {
    const { dir, file } = folder({ type: "commonjs", installed: false }, `export default {\n  offerings: [ ;\n};\n`);
    const r = await claw(dir, ["earnings", "--config", file]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^claw: CONFIG_INVALID: Cannot load \S*claw\.config\.ts: /);
    assert.ok(r.stderr.includes(`${file}:2:`), `the file and line 2: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, "one line");
  });

  test("CommonJS folder reached through a symlink: a local .ts import, import.meta and top-level await (ES module syntax throughout)", { timeout: 60_000 }, async () => {
    const { dir } = folder({ type: "commonjs", installed: false }, "");
    writeFileSync(join(dir, "prices.ts"), `export const price: bigint = 9n;\n`);
    writeFileSync(join(dir, "claw.config.ts"), [
      `import { defineConfig } from "clawcompute/config";`,
      `import { price } from "./prices.ts";`,
      `const name = await Promise.resolve("from-config.db");`,
      `export default defineConfig({ store: { path: import.meta.dirname + "/" + name }, offerings: [{ model: "m", backend: "echo", pricePerSecond: price }] });`,
    ].join("\n"));
    const linked = mkdtempSync(join(tmpdir(), "claw-cfg-link-"));
    dirs.push(linked);
    symlinkSync(dir, join(linked, "x"), "dir");
    openStore({ path: join(dir, "from-config.db") }).close();
    const r = await claw(join(linked, "x"), ["earnings", "--config", join(linked, "x", "claw.config.ts"), "--json"]);
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.equal((JSON.parse(r.stdout) as { store: string }).store, join(realpathSync(dir), "from-config.db"));
  });

  test("a package that is not installed (other than clawcompute) is CONFIG_INVALID naming it, without loader internals", { timeout: 60_000 }, async () => {
    const { dir, file } = folder({ type: "commonjs", installed: false }, `import { x } from "clawcompute-nope";\nexport default { x, offerings: [] };\n`);
    const r = await claw(dir, ["earnings", "--config", file]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^claw: CONFIG_INVALID: Cannot load \S*claw\.config\.ts: Cannot find (package|module) 'clawcompute-nope'/);
    assert.ok(!r.stderr.includes("namespace="), r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, "one line");
  });
});
