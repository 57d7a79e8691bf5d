import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createBackend, listLocalPlugins, loadPlugin, resolvePluginSpec } from "./loader.ts";
import { runJob } from "./testing/conformance.ts";

const root = resolve(import.meta.dirname, "..");
const temps: string[] = [];
after(() => temps.forEach((t) => rmSync(t, { recursive: true, force: true })));

/** A temp project root whose node_modules links zod and this project (as `clawcompute`), like an npm install. */
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), "claw-loader-"));
  temps.push(dir);
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(join(root, "node_modules", "zod"), join(dir, "node_modules", "zod"), "dir");
  symlinkSync(root, join(dir, "node_modules", "clawcompute"), "dir");
  return dir;
}

function write(path: string, text: string): void {
  mkdirSync(resolve(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

const tinyPlugin = `import { z } from "zod";
import { definePlugin } from "clawcompute/plugin";
export default definePlugin({
  name: "tiny", kind: "text", description: "tiny test plugin",
  options: z.strictObject({ limits: z.strictObject({ max: z.number().int().max(10) }).default({ max: 3 }) }),
  create: (o) => ({
    health: async () => ({ ok: true }),
    models: async () => [{ id: "tiny" }],
    async *infer() { yield { type: "text", text: "max=" + o.limits.max }; },
  }),
});
`;

type Err = Error & { code?: string; details?: Record<string, unknown> };
const fails = (code: string, re: RegExp) => (err: Err) => {
  assert.equal(err.code, code, err.message);
  assert.match(err.message, re);
  return true;
};

describe("loadPlugin", () => {
  test("by folder name in plugins/", async () => {
    assert.equal(resolvePluginSpec("echo", { root }).kind, "folder");
    const p = await loadPlugin("echo", { root });
    assert.equal(p.name, "echo");
    assert.deepEqual(p.tasks, ["chat", "completion", "image", "transcription"]);
  });

  test("by file or folder path, relative to the root or absolute", async () => {
    for (const spec of ["./plugins/echo/index.ts", "./plugins/echo", join(root, "plugins/echo/index.ts")]) {
      assert.equal(resolvePluginSpec(spec, { root }).kind, "file");
      assert.equal((await loadPlugin(spec, { root })).name, "echo");
    }
  });

  test("by npm package name (scoped, ESM exports with only an import condition)", async () => {
    const dir = tempRoot();
    const pkg = join(dir, "node_modules", "@acme", "claw-tiny");
    write(join(pkg, "package.json"), JSON.stringify({ name: "@acme/claw-tiny", type: "module", exports: { ".": { import: "./main.js" } } }));
    write(join(pkg, "main.js"), tinyPlugin);
    assert.equal(resolvePluginSpec("@acme/claw-tiny", { root: dir }).kind, "package");
    const p = await loadPlugin("@acme/claw-tiny", { root: dir });
    const backend = await createBackend(p, { limits: { max: 7 } });
    const { chunks } = await runJob(backend, { task: "completion", id: "1", model: "tiny", prompt: "x" });
    assert.deepEqual(chunks, [{ type: "text", text: "max=7" }, { type: "usage" }], "the loader's guard adds the usage chunk the plugin forgot");
  });

  test("missing plugins name themselves and where they were looked for", async () => {
    await assert.rejects(loadPlugin("no-such-plugin", { root }), fails("PLUGIN_NOT_FOUND", /Plugin "no-such-plugin" was not found: it is not a folder in .*plugins, a path, nor an npm package/));
    await assert.rejects(loadPlugin("./nowhere/index.ts", { root }), fails("PLUGIN_NOT_FOUND", /"\.\/nowhere\/index\.ts" was not found: no file or folder at/));
    const dir = tempRoot();
    mkdirSync(join(dir, "plugins", "empty"), { recursive: true });
    await assert.rejects(loadPlugin("empty", { root: dir }), fails("PLUGIN_NOT_FOUND", /the folder .*empty has no index\.ts/));
  });

  test("a plugin that throws on load, does not parse, or has no valid default export", async () => {
    const dir = tempRoot();
    write(join(dir, "plugins", "boom", "index.ts"), 'throw new Error("kaboom at import");\n');
    write(join(dir, "plugins", "garbled", "index.ts"), "export default {{{\n");
    write(join(dir, "plugins", "nodefault", "index.ts"), "export const x = 1;\n");
    write(join(dir, "plugins", "badkind", "index.ts"), 'export default { name: "b", kind: "video", options: { safeParse() {} }, create() {} };\n');
    await assert.rejects(loadPlugin("boom", { root: dir }), fails("PLUGIN_LOAD_FAILED", /Plugin "boom" failed to load .*kaboom at import/));
    await assert.rejects(loadPlugin("garbled", { root: dir }), fails("PLUGIN_LOAD_FAILED", /Plugin "garbled" failed to load/));
    await assert.rejects(loadPlugin("nodefault", { root: dir }), fails("PLUGIN_LOAD_FAILED", /"nodefault" has no valid default export: the default export is missing/));
    await assert.rejects(loadPlugin("badkind", { root: dir }), fails("PLUGIN_LOAD_FAILED", /its kind "video" is not text, image or audio/));
  });

  test("listLocalPlugins lists folders with an index file only", () => {
    const names = listLocalPlugins({ root });
    for (const n of ["diffusion", "echo", "groq", "ollama", "openai", "tgi", "whisper"]) assert.ok(names.includes(n), `${n} in ${names.join(",")}`);
    assert.ok(!names.includes("lib") && !names.includes("testing"));
  });
});

describe("createBackend", () => {
  test("bad options fail with the plugin's name and each field path", async () => {
    const dir = tempRoot();
    write(join(dir, "plugins", "tiny", "index.ts"), tinyPlugin);
    const p = await loadPlugin("tiny", { root: dir });
    await assert.rejects(createBackend(p, { limits: { max: 99 } }), (err: Err) => {
      fails("PLUGIN_OPTIONS_INVALID", /Plugin "tiny" options are invalid: limits\.max: /)(err);
      assert.deepEqual((err.details?.issues as Array<{ path: string }>).map((i) => i.path), ["limits.max"]);
      return true;
    });
    await assert.rejects(createBackend(p, "not an object"), fails("PLUGIN_OPTIONS_INVALID", /\(options\): /));
  });

  test("create() throwing stops startup with the reason; a non-backend is refused", async () => {
    const dir = tempRoot();
    write(join(dir, "plugins", "nostart", "index.ts"), tinyPlugin.replace("create: (o) => ({", 'create: (o) => { throw new Error("GPU missing"); }, unused: () => ({'));
    write(join(dir, "plugins", "hollow", "index.ts"), tinyPlugin.replace("health: async () => ({ ok: true }),", ""));
    await assert.rejects(createBackend(await loadPlugin("nostart", { root: dir }), {}), fails("PLUGIN_LOAD_FAILED", /Plugin "tiny" could not start: GPU missing/));
    await assert.rejects(createBackend(await loadPlugin("hollow", { root: dir }), {}), fails("PLUGIN_LOAD_FAILED", /without health\(\)/));
  });

  test("the guard refuses tasks the plugin does not list and turns stray errors into ClawErrors", async () => {
    const dir = tempRoot();
    write(join(dir, "plugins", "tiny", "index.ts"), tinyPlugin.replace('yield { type: "text"', 'throw new TypeError("oops"); yield { type: "text"'));
    const backend = await createBackend(await loadPlugin("tiny", { root: dir }), {});
    const image = await runJob(backend, { task: "image", id: "1", model: "tiny", prompt: "x" });
    assert.equal(image.error?.code, "BACKEND_BAD_REQUEST");
    assert.match(image.error?.message ?? "", /does not do image jobs \(it does: chat, completion\)/);
    const text = await runJob(backend, { task: "completion", id: "1", model: "tiny", prompt: "x" });
    assert.equal(text.error?.code, "INTERNAL");
    assert.match(text.error?.message ?? "", /Plugin "tiny" failed: oops/);
  });
});
