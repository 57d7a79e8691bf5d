import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { parseWei } from "./amounts.ts";
import { toJson } from "./json.ts";

describe("parseWei", () => {
  test("whole wei and units, exactly (no floating point)", () => {
    assert.equal(parseWei("1000"), 1000n);
    assert.equal(parseWei("2gwei"), 2_000_000_000n);
    assert.equal(parseWei("0.000000000000000001ether"), 1n);
    assert.equal(parseWei("1.5 eth"), 1_500_000_000_000_000_000n);
    assert.equal(parseWei("123456789012345678901234567890"), 123456789012345678901234567890n);
  });
  test("fractions of a wei and unknown units are refused", () => {
    for (const bad of ["1.5", "1.5wei", "3 dollars", "-1", "", "0.0000000000000000001ether"]) {
      assert.throws(() => parseWei(bad), (e) => isClawError(e, "BAD_REQUEST"), bad);
    }
  });
});

describe("toJson", () => {
  test("bigints become decimal strings, byte arrays are left out", () => {
    assert.equal(toJson({ a: 10n ** 30n, b: new Uint8Array(3), c: [1n] }), '{"a":"1000000000000000000000000000000","c":["1"]}');
  });
});
