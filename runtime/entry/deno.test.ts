import assert from "node:assert/strict";
import { test } from "node:test";
import { denoVersionProblem } from "./deno.ts";

test("the Deno entry refuses Deno 1 with what to do, and accepts Deno 2 and later", () => {
  assert.match(denoVersionProblem("1.46.3") ?? "", /needs Deno 2 or newer; this is Deno 1\.46\.3\. Run `npm install`/);
  assert.equal(denoVersionProblem("2.0.0"), undefined);
  assert.equal(denoVersionProblem("2.9.6"), undefined);
  assert.equal(denoVersionProblem("10.1.0"), undefined);
  assert.match(denoVersionProblem("nightly") ?? "", /this is Deno nightly/);
});
