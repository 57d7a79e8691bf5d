/**
 * Regenerates the README's generated sections from their single sources:
 *   <!-- generated:errors -->  the error catalogue (runtime/core/errors.ts)
 *   <!-- generated:results --> bench/results/*.json (gas, runtime, store, reliability)
 * Run `npm run docs`; `--check` exits 1 when the README is stale (the test suite runs it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { errorCatalogue } from "../runtime/core/errors.ts";
import { renderResults } from "./render-results.ts";

const root = resolve(import.meta.dirname, "..");
const readmePath = resolve(root, "README.md");

function errorsTable(): string {
  const rows = Object.entries(errorCatalogue).map(([code, { status, message }]) => `| \`${code}\` | ${status} | ${message} |`);
  return ["| code | HTTP | meaning |", "|---|---|---|", ...rows].join("\n");
}

export function regenerate(readme: string): string {
  const sections: Record<string, () => string> = { errors: errorsTable, results: () => renderResults(resolve(root, "bench/results")) };
  let out = readme;
  for (const [name, render] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(\\n<!-- /generated:${name} -->)`);
    if (re.test(out)) out = out.replace(re, `$1${render()}$2`);
  }
  return out;
}

const current = readFileSync(readmePath, "utf8");
const next = regenerate(current);
if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error("README.md generated sections are stale: run `npm run docs`.");
    process.exit(1);
  }
} else if (next !== current) {
  writeFileSync(readmePath, next);
  console.log("README.md regenerated");
}
