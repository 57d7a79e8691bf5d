import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { isClawError } from "../runtime/core/errors.ts";
import { loadConfig, parseConfig } from "./load.ts";

const minimal = { offerings: [{ model: "echo-1", backend: "echo", pricePerSecond: "1000" }] };

describe("parseConfig", () => {
  test("fills defaults and turns prices into bigint", () => {
    const c = parseConfig(minimal);
    assert.equal(c.chain.preset, "local");
    assert.equal(c.server.port, 8787);
    assert.equal(c.store.durability, "normal");
    assert.equal(c.offerings[0]?.pricePerSecond, 1000n);
    assert.equal(c.offerings[0]?.concurrency, 4);
  });

  test("an error names the field path and what is expected", () => {
    assert.throws(
      () => parseConfig({ offerings: [{ model: "m", backend: "echo", pricePerSecond: "1.5" }], server: { port: 70000 } }),
      (err) => {
        assert.ok(isClawError(err, "CONFIG_INVALID"));
        assert.match(err.message, /offerings\.0\.pricePerSecond: .*digits/);
        assert.match(err.message, /server\.port/);
        return true;
      },
    );
  });

  test("a price of zero is refused", () => {
    assert.throws(() => parseConfig({ offerings: [{ model: "m", backend: "echo", pricePerSecond: 0n }] }), /above 0 wei/);
  });

  test("the seed's env vars make a one-offering groq provider without editing the file", () => {
    const c = parseConfig(minimal, {
      MODEL_NAME: "llama-3.3-70b-versatile",
      PRICE_PER_SECOND: "250",
      GROQ_API_KEY: "k",
      PORT: "3001",
      ENDPOINT_URL: "https://x.onrender.com/inference",
      BSC_TESTNET_RPC: "https://rpc.example/",
    });
    assert.deepEqual(
      c.offerings.map((o) => [o.model, o.backend, o.pricePerSecond]),
      [["llama-3.3-70b-versatile", "groq", 250n]],
    );
    assert.equal(c.server.port, 3001);
    assert.equal(c.server.publicUrl, "https://x.onrender.com");
    assert.equal(c.chain.preset, "bsc-testnet");
    assert.equal(c.chain.rpcUrl, "https://rpc.example/");
  });
});

describe("server.trustProxy", () => {
  test("off by default; proxy addresses, CIDR ranges, named ranges, a hop count or true", () => {
    assert.equal(parseConfig(minimal).server.trustProxy, false);
    for (const trustProxy of [["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "loopback"], 2, true]) {
      assert.deepEqual(parseConfig({ ...minimal, server: { trustProxy } }).server.trustProxy, trustProxy);
    }
  });

  test("anything else names the field", () => {
    for (const trustProxy of [["proxy.example"], ["10.0.0.0/33"], ["127.0.0.1/8/1"], [], 0, "127.0.0.1"] as unknown as Array<boolean>) {
      assert.throws(() => parseConfig({ ...minimal, server: { trustProxy } }), (err) => isClawError(err, "CONFIG_INVALID") && /server\.trustProxy/.test(err.message), JSON.stringify(trustProxy));
    }
  });
});

describe("loadConfig", () => {
  test("imports a TypeScript config file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-config-"));
    writeFileSync(join(dir, "claw.config.ts"), `export default { offerings: [{ model: "a", backend: "echo", pricePerSecond: 5n }] };\n`);
    const c = await loadConfig({ cwd: dir });
    assert.equal(c.offerings[0]?.pricePerSecond, 5n);
  });

  test("a config file that throws is reported with its path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-config-"));
    writeFileSync(join(dir, "bad.config.ts"), `throw new Error("boom");\n`);
    await assert.rejects(loadConfig({ cwd: dir, file: "bad.config.ts" }), /bad\.config\.ts: boom/);
  });

  test("a syntax error is CONFIG_INVALID naming the file and the line, on one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-config-"));
    writeFileSync(join(dir, "claw.config.ts"), `export default {\n  offerings: [ ;\n};\n`);
    await assert.rejects(loadConfig({ cwd: dir }), (err) => {
      assert.ok(isClawError(err, "CONFIG_INVALID"));
      assert.ok(err.message.includes(`${join(dir, "claw.config.ts")}:2:`), err.message);
      assert.ok(!err.message.includes("\n"), "one line");
      return true;
    });
  });

  test("outside an ES-module package the config is still an ES module: top-level await, import.meta, a local .ts import", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-config-"));
    writeFileSync(join(dir, "prices.ts"), `export const price: bigint = 9n;\n`);
    writeFileSync(join(dir, "claw.config.ts"), `import { price } from "./prices.ts";\nconst name = await Promise.resolve("tla.db");\nexport default { store: { path: import.meta.dirname + "/" + name }, offerings: [{ model: "a", backend: "echo", pricePerSecond: price }] };\n`);
    const c = await loadConfig({ cwd: dir });
    assert.equal(c.store.path, join(dir, "tla.db"));
    assert.equal(c.offerings[0]?.pricePerSecond, 9n);
  });

  test("clawcompute/config resolves to this package when not installed beside the config, or installed without ./config (the SDK)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-config-"));
    const source = `import { defineConfig } from "clawcompute/config";\nexport default defineConfig({ offerings: [{ model: "d", backend: "echo", pricePerSecond: 2n }] });\n`;
    writeFileSync(join(dir, "claw.config.ts"), source);
    assert.equal((await loadConfig({ cwd: dir })).offerings[0]?.model, "d");
    mkdirSync(join(dir, "node_modules", "clawcompute"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "clawcompute", "package.json"), JSON.stringify({ name: "clawcompute", type: "module", exports: { ".": "./index.js" } }));
    writeFileSync(join(dir, "node_modules", "clawcompute", "index.js"), "export const sdk = true;\n");
    assert.equal((await loadConfig({ cwd: dir })).offerings[0]?.model, "d");
    writeFileSync(join(dir, "claw.config.ts"), `import { sdk } from "clawcompute";\nexport default { offerings: [{ model: String(sdk), backend: "echo", pricePerSecond: 2n }] };\n`);
    assert.equal((await loadConfig({ cwd: dir })).offerings[0]?.model, "true", "an installed clawcompute wins where it has the import");
  });

  test("a CommonJS config (.cts) with export default is unwrapped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-config-"));
    writeFileSync(join(dir, "claw.config.cts"), `export default { offerings: [{ model: "c", backend: "echo", pricePerSecond: 3n }] };\n`);
    assert.equal((await loadConfig({ cwd: dir, file: "claw.config.cts" })).offerings[0]?.model, "c");
  });

  test("each load reads the file as it is now", async () => {
    const dir = mkdtempSync(join(tmpdir(), "claw-config-"));
    const write = (price: string) => writeFileSync(join(dir, "claw.config.ts"), `export default { offerings: [{ model: "a", backend: "echo", pricePerSecond: ${price} }] };\n`);
    write("5n");
    assert.equal((await loadConfig({ cwd: dir })).offerings[0]?.pricePerSecond, 5n);
    write("6n");
    assert.equal((await loadConfig({ cwd: dir })).offerings[0]?.pricePerSecond, 6n);
  });
});
