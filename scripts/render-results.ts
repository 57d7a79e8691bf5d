/**
 * Renders bench/results/*.json into the README's "Performance and reliability" tables. Each result
 * file may carry `machine`, `date` and a `rows` array of { metric, value, baseline?, ratio?, target?, ok? };
 * files without `rows` are listed by name only.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Row = { metric: string; value: string | number; baseline?: string | number; ratio?: string | number; target?: string; ok?: boolean };
type Result = { title?: string; machine?: string; date?: string; rows?: Row[] };

export function renderResults(dir: string): string {
  if (!existsSync(dir)) return "_No results yet._";
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  if (files.length === 0) return "_No results yet._";
  const parts: string[] = [];
  for (const f of files) {
    const r = JSON.parse(readFileSync(join(dir, f), "utf8")) as Result;
    parts.push(`**${r.title ?? f.replace(/\.json$/, "")}** (\`bench/results/${f}\`${r.machine ? `; ${r.machine}` : ""}${r.date ? `; ${r.date}` : ""})`);
    if (!Array.isArray(r.rows)) continue;
    parts.push("", "| metric | value | baseline | ratio | target | met |", "|---|---|---|---|---|---|");
    for (const row of r.rows) {
      parts.push(`| ${row.metric} | ${row.value} | ${row.baseline ?? ""} | ${row.ratio ?? ""} | ${row.target ?? ""} | ${row.ok === undefined ? "" : row.ok ? "yes" : "no"} |`);
    }
    parts.push("");
  }
  return parts.join("\n").trim();
}
