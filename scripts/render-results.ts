/**
 * Renders bench/results/*.json into the README's "Performance and reliability" tables. A result
 * file carries `title?`, `machine` (string or object), `date` and `rows` (objects with scalar
 * fields; the table's columns are their union). The store benchmark's `runs` are turned into rows here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Scalar = string | number | boolean | null;
type Result = { title?: string; machine?: unknown; date?: string; rows?: Array<Record<string, unknown>>; runs?: StoreRun[]; note?: string };
type StoreRun = {
  node: string;
  result: {
    driver: string;
    batched: { store: { eventsPerSecond: number }; ratio: number };
    single: { normal: { store: { p50Ms: number; p99Ms: number } }; full: { store: { p50Ms: number; p99Ms: number } } };
    replay: { store: { eventsPerSecond: number }; ratio: number };
  };
};

function machineText(m: unknown): string {
  if (typeof m === "string") return m;
  if (m && typeof m === "object") {
    const o = m as Record<string, unknown>;
    return [o.cores && `${o.cores} cores`, o.cpu, o.node && `Node ${String(o.node).replace(/^v/, "")}`].filter(Boolean).join(", ");
  }
  return "";
}

function storeRows(runs: StoreRun[]): Array<Record<string, Scalar>> {
  return runs.map(({ node, result: r }) => ({
    driver: `${r.driver} (Node ${node.replace(/^v/, "")})`,
    "batched events/s": Math.round(r.batched.store.eventsPerSecond),
    "vs raw": `${r.batched.ratio}x`,
    "append p50/p99 normal (ms)": `${r.single.normal.store.p50Ms} / ${r.single.normal.store.p99Ms}`,
    "append p50/p99 full (ms)": `${r.single.full.store.p50Ms} / ${r.single.full.store.p99Ms}`,
    "replay events/s": Math.round(r.replay.store.eventsPerSecond),
    "replay vs raw": `${r.replay.ratio}x`,
  }));
}

function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : String(v);
  return typeof v === "object" ? "" : String(v).replaceAll("|", "\\|");
}

function table(rows: Array<Record<string, unknown>>): string[] {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] !== "object" || r[k] === null)))];
  return [`| ${cols.join(" | ")} |`, `|${cols.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(" | ")} |`)];
}

export function renderResults(dir: string): string {
  if (!existsSync(dir)) return "_No results yet._";
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  if (files.length === 0) return "_No results yet._";
  const parts: string[] = [];
  for (const f of files) {
    const r = JSON.parse(readFileSync(join(dir, f), "utf8")) as Result;
    const meta = [`\`bench/results/${f}\``, machineText(r.machine), r.date?.slice(0, 10)].filter(Boolean).join("; ");
    parts.push(`**${r.title ?? f.replace(/\.json$/, "")}** (${meta})`, "");
    const rows = Array.isArray(r.rows) ? r.rows : Array.isArray(r.runs) ? storeRows(r.runs) : [];
    if (rows.length) parts.push(...table(rows), "");
    if (r.note) parts.push(r.note, "");
  }
  return parts.join("\n").trim();
}
