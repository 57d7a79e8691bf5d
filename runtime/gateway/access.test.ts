import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkAccess, loadOrCreateKey, sameKey } from "./access.ts";

describe("gateway access", () => {
  const dir = mkdtempSync(join(tmpdir(), "claw-gw-key-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the key is made once, kept with mode 0600, and read back", () => {
    const file = join(dir, "sub", "gateway.key");
    const a = loadOrCreateKey(file);
    assert.equal(a.created, true);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const b = loadOrCreateKey(file);
    assert.deepEqual(b, { key: a.key, created: false });
    assert.notEqual(loadOrCreateKey(join(dir, "other.key")).key, a.key, "each gateway gets its own random key");
  });

  test("a truncated key file is replaced, not trusted", () => {
    const file = join(dir, "short.key");
    writeFileSync(file, "abc");
    const k = loadOrCreateKey(file);
    assert.equal(k.created, true);
    assert.ok(k.key.length > 40);
  });

  const h = (o: Record<string, string>) => new Headers(o);
  const refused = (headers: Headers, code: string) =>
    assert.throws(() => checkAccess(headers, "k".repeat(20), ["http://localhost:5173"]), (e: unknown) => (e as { code: string }).code === code);

  test("Bearer with the exact key passes; anything else is refused with the right code", () => {
    const key = "k".repeat(20);
    checkAccess(h({ authorization: `Bearer ${key}` }), key, []);
    checkAccess(h({ authorization: `bearer ${key}`, origin: "http://localhost:5173" }), key, ["http://localhost:5173"]);
    refused(h({}), "GATEWAY_KEY_INVALID");
    refused(h({ authorization: key }), "GATEWAY_KEY_INVALID");
    refused(h({ authorization: `Bearer ${key}x` }), "GATEWAY_KEY_INVALID");
    refused(h({ authorization: `Bearer ${key.slice(1)}` }), "GATEWAY_KEY_INVALID");
    refused(h({ authorization: `Bearer ${key}`, origin: "https://evil.example" }), "ORIGIN_FORBIDDEN");
    refused(h({ authorization: `Bearer ${key}`, origin: "null" }), "ORIGIN_FORBIDDEN");
  });

  test("sameKey compares whole strings", () => {
    assert.equal(sameKey("abc", "abc"), true);
    assert.equal(sameKey("abc", "abd"), false);
    assert.equal(sameKey("abc", "abcd"), false);
    assert.equal(sameKey("", "a"), false);
  });
});
