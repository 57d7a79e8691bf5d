/**
 * The README's generated sections and their single sources:
 *   <!-- generated:errors -->  the error catalogue (runtime/core/errors.ts)
 *   <!-- generated:results --> bench/results/*.json (gas, runtime, store, reliability)
 */
import { resolve } from "node:path";
import { errorCatalogue } from "../runtime/core/errors.ts";
import { renderResults } from "./render-results.ts";

const root = resolve(import.meta.dirname, "..");

function errorsTable(): string {
  const rows = Object.entries(errorCatalogue).map(([code, { status, message }]) => `| \`${code}\` | ${status} | ${message} |`);
  return ["| code | HTTP | meaning |", "|---|---|---|", ...rows].join("\n");
}

/** The README with every generated section rebuilt from its source. */
export function regenerate(readme: string): string {
  const sections: Record<string, () => string> = { errors: errorsTable, results: () => renderResults(resolve(root, "bench/results")) };
  let out = readme;
  for (const [name, render] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    out = out.replace(re, (_all, open: string, close: string) => `${open}\n${render()}\n${close}`);
  }
  return out;
}
