import assert from "node:assert/strict";
import { test } from "node:test";
import { isClawError } from "../runtime/core/errors.ts";
import { parseConfig } from "./load.ts";

const minimal = { offerings: [{ model: "echo-1", backend: "echo", pricePerSecond: "1000" }] };
const url = "postgres://claw:secret@db.internal:5432/claw";

test("store.url: absent by default (SQLite); a postgres URL is taken from the file or CLAW_STORE_URL, the env winning", () => {
  assert.equal(parseConfig(minimal).store.url, undefined);
  assert.equal(parseConfig({ ...minimal, store: { url } }).store.url, url);
  const c = parseConfig({ ...minimal, store: { url, durability: "full" } }, { CLAW_STORE_URL: "postgresql://a:b@127.0.0.1/other" });
  assert.equal(c.store.url, "postgresql://a:b@127.0.0.1/other");
  assert.equal(c.store.durability, "full", "the override keeps the rest of store");
});

test("store.url: anything but postgres://host/database is refused, naming the field", () => {
  for (const bad of ["mysql://a@h/db", "postgres://h", "not a url", "/var/lib/events.db", `postgres://h/${"x".repeat(2100)}`]) {
    assert.throws(() => parseConfig({ ...minimal, store: { url: bad } }),
      (err) => isClawError(err, "CONFIG_INVALID") && /store\.url/.test(err.message), bad);
  }
  assert.throws(() => parseConfig(minimal, { CLAW_STORE_URL: "sqlite:///x" }), /store\.url/);
});
