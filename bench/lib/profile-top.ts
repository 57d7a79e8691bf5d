/**
 * Prints the functions of a V8 `.cpuprofile` (node --cpu-prof) ordered by self time, with their
 * share of the profile and of the sampled non-idle time: what a flame graph shows, as a table.
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
const self = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const f = byId.get(id)!.callFrame;
  total += dt;
  if (f.functionName === "(idle)") idle += dt;
  const where = f.url ? `${f.url.replace(/^file:\/\/.*?\/(node_modules|runtime|plugins|bench|test)\//, "$1/")}:${f.lineNumber + 1}` : "";
  const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
});
const busy = total - idle;
console.log(`profile ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s`);
console.log("self ms   %busy  function");
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 30))) {
  console.log(`${(us / 1000).toFixed(1).padStart(8)} ${((us / busy) * 100).toFixed(1).padStart(6)}%  ${k}`);
}
