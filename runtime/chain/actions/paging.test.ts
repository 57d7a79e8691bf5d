import { test } from "node:test";
import assert from "node:assert/strict";
import { isClawError } from "../../core/errors.ts";
import { blockWindows, cappedWindows, pageCapReached } from "./paging.ts";

test("block windows cover the range exactly once, oldest first, none wider than the span", () => {
  assert.deepEqual([...blockWindows(0n, 4_500n, 2_000n)], [[0n, 1_999n], [2_000n, 3_999n], [4_000n, 4_500n]]);
  assert.deepEqual([...blockWindows(7n, 7n, 2_000n)], [[7n, 7n]]);
  assert.deepEqual([...blockWindows(10n, 9n, 2_000n)], [], "an empty range scans nothing");
  const w = [...blockWindows(3n, 20n, 4n)];
  assert.equal(w[0]![0], 3n);
  assert.equal(w.at(-1)![1], 20n);
  for (let i = 1; i < w.length; i++) assert.equal(w[i]![0], w[i - 1]![1] + 1n, "no gap, no overlap");
  for (const [a, b] of w) assert.ok(b - a + 1n <= 4n);
});

test("capped windows: up to the cap they are the plain windows, one more throws CHAIN_PAGE_CAP before any call", () => {
  assert.deepEqual([...cappedWindows("x", 0n, 5_999n, 2_000n, 3)], [...blockWindows(0n, 5_999n, 2_000n)]);
  assert.deepEqual([...cappedWindows("x", 10n, 9n, 2_000n, 0)], [], "an empty range needs no window");
  assert.throws(() => cappedWindows("ProviderRegistered logs", 0n, 6_000n, 2_000n, 3), (e) =>
    isClawError(e, "CHAIN_PAGE_CAP") && e.status === 502 && e.details?.cap === 3 && /ProviderRegistered logs from block 0 to 6000/.test(e.message));
  const e = pageCapReached("getProviders", 1_000, "pages of 200");
  assert.deepEqual(e.details, { listing: "getProviders", cap: 1_000, unit: "pages of 200" });
});
