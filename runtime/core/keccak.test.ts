import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, keccak256 } from "viem";
import { keccak256Bytes, keccak256Hex } from "./keccak.ts";

describe("keccak256 (js-sha3)", () => {
  test("equals viem's keccak256 for every length 0..600 and random inputs up to 64 KiB", () => {
    const inputs: Uint8Array[] = [];
    for (let n = 0; n <= 600; n++) inputs.push(crypto.getRandomValues(new Uint8Array(n)));
    for (let i = 0; i < 50; i++) inputs.push(crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 65_536))));
    for (const data of inputs) {
      const expected = keccak256(data);
      assert.equal(keccak256Hex(data), expected, `length ${data.length}`);
      assert.equal(bytesToHex(keccak256Bytes(data)), expected, `length ${data.length}`);
    }
  });

  test("hashes the bytes given, also a view into a larger buffer", () => {
    const big = crypto.getRandomValues(new Uint8Array(300));
    const view = big.subarray(17, 250);
    assert.equal(keccak256Hex(view), keccak256(view.slice()));
  });
});
