/**
 * Prints the functions of a V8 `.cpuprofile` (node --cpu-prof) ordered by self time, with their
 * share of the sampled non-idle time: what a flame graph shows, as a table. A second table charges
 * every sample to its innermost project frame (runtime/, plugins/, config/: not node_modules or Node
 * internals), i.e. which of our functions the library and native time is spent for.
 *
 * @example
 * npx tsx bench/lib/profile-top.ts /tmp/prof/CPU.x.cpuprofile 40
 */
import { readFileSync } from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-top.ts <file.cpuprofile> [top]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<string, number>();
const charged = new Map<string, number>();
const ours = /\/(runtime|plugins|config)\//;
const label = (f: Node["callFrame"]) =>
  `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.replace(/^file:\/\/.*?\/(node_modules|runtime|plugins|bench|test|config)\//, "$1/")}:${f.lineNumber + 1}` : ""}`.trim();
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const f = byId.get(id)!.callFrame;
  total += dt;
  if (f.functionName === "(idle)") {
    idle += dt;
    return;
  }
  const key = label(f);
  self.set(key, (self.get(key) ?? 0) + dt);
  let at: number | undefined = id;
  while (at !== undefined && !(ours.test(byId.get(at)!.callFrame.url) && !byId.get(at)!.callFrame.url.includes("node_modules"))) at = parent.get(at);
  const owner = at === undefined ? "(no project frame)" : label(byId.get(at)!.callFrame);
  charged.set(owner, (charged.get(owner) ?? 0) + dt);
});
const busy = total - idle;
console.log(`profile ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s`);
const top = Number(topArg ?? 30);
for (const [title, table] of [["self time by function", self], ["time charged to the innermost project frame", charged]] as const) {
  console.log(`\n${title}\n    ms   %busy  function`);
  for (const [k, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ${((us / busy) * 100).toFixed(1).padStart(6)}%  ${k}`);
  }
}
