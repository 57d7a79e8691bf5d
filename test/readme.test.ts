/** The README's generated sections (error codes, benchmark tables) match their sources. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { errorCatalogue } from "../runtime/core/errors.ts";
import { regenerate } from "../scripts/readme-sections.ts";

const readme = readFileSync(resolve(import.meta.dirname, "..", "README.md"), "utf8");

test("README starts with the two commands and its generated sections are current (run `npm run docs`)", () => {
  const quick = readme.indexOf("## Quickstart");
  assert.ok(quick > 0 && quick < 1500, "the quickstart comes first");
  for (const cmd of ["npm install", "npm start", "npm test"]) assert.ok(readme.indexOf(cmd, quick) > quick, cmd);
  assert.equal(regenerate(readme), readme);
  for (const code of Object.keys(errorCatalogue)) assert.ok(readme.includes(`\`${code}\``), `${code} is documented`);
});
