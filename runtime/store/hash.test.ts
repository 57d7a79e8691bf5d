import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chainHash, GENESIS_HASH } from "./hash.ts";

const base = { position: 1, type: "JobStarted", v: 1, key: "job:a", time: 5, dedupe: null, data: "{}" };

test("the hash is sha256 over the documented encoding", () => {
  const expected = createHash("sha256").update(`${GENESIS_HASH}\n1\n10:JobStarted\n1\n5\n5:job:a\n-\n{}`).digest("hex");
  assert.equal(chainHash(GENESIS_HASH, base), expected);
});

test("every field, and the predecessor, changes the hash; field boundaries cannot be shifted", () => {
  const h = chainHash(GENESIS_HASH, base);
  const variants = [
    chainHash("1".repeat(64), base),
    chainHash(GENESIS_HASH, { ...base, position: 2 }),
    chainHash(GENESIS_HASH, { ...base, type: "JobStarteD" }),
    chainHash(GENESIS_HASH, { ...base, v: 2 }),
    chainHash(GENESIS_HASH, { ...base, time: 6 }),
    chainHash(GENESIS_HASH, { ...base, key: "job:b" }),
    chainHash(GENESIS_HASH, { ...base, dedupe: "x" }),
    chainHash(GENESIS_HASH, { ...base, dedupe: "-" }),
    chainHash(GENESIS_HASH, { ...base, data: "{ }" }),
    // moving text between key and dedupe must not collide
    chainHash(GENESIS_HASH, { ...base, key: "ab", dedupe: "c" }),
    chainHash(GENESIS_HASH, { ...base, key: "a", dedupe: "bc" }),
  ];
  assert.equal(new Set([h, ...variants]).size, variants.length + 1);
});
