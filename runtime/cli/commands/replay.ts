/**
 * `claw replay [--db PATH | --store-url URL] [--until N] [--json]`: rebuild the projections from the
 * log (SQLite or PostgreSQL, lib/log-source.ts) and print them: streams, earnings per offering and per
 * UTC day, jobs and refusals. Amounts are in wei.
 */
import { InvalidArgumentError, type Command } from "commander";
import { toJsonSafe } from "../../core/event-codec.ts";
import { evolveProjections, initialProjections, type Projections } from "../../core/projections/index.ts";
import { textTable } from "../../store/text-table.ts";
import { locateLog, logOptionHelp, openLogForReading } from "../lib/log-source.ts";

const positionArg = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`"${v}" is not a log position (a whole number).`);
  return Number(v);
};

/** The human-readable report of a set of projections. */
export function formatProjections(p: Projections, path: string): string {
  const out: string[] = [`log ${path}: ${p.events} events replayed, up to position ${p.position}`, ""];
  const streams = [...p.streams.values()].filter((s) => s.status !== "none" || s.jobs > 0);
  out.push(`streams (${streams.length})`, textTable(
    ["stream", "status", "deposit", "rate/s", "jobs", "failed", "metered ms", "metered", "settled", "paid", "refunded"],
    streams.map((s) => [String(s.streamId), s.status, String(s.deposit), String(s.ratePerSecond), String(s.jobs), String(s.jobsFailed),
      String(s.meteredMs), String(s.metered), s.settled === null ? "-" : String(s.settled), String(s.paidToRecipient), String(s.refunded)]),
  ), "");
  const e = p.earnings;
  out.push("earnings by offering (metered, wei)", textTable(["offering", "jobs", "failed", "metered ms", "earned"],
    [...e.byOffering].map(([o, b]) => [o, String(b.jobs), String(b.failed), String(b.meteredMs), String(b.earned)])), "");
  out.push("earnings by day (UTC)", textTable(["day", "jobs", "failed", "metered ms", "earned", "settled"],
    [...e.byDay].sort(([a], [b]) => a.localeCompare(b))
      .map(([d, b]) => [d, String(b.jobs), String(b.failed), String(b.meteredMs), String(b.earned), String(b.settled)])), "");
  const jobStates = new Map<string, number>();
  for (const j of p.jobs.values()) jobStates.set(j.status, (jobStates.get(j.status) ?? 0) + 1);
  out.push(`jobs: ${[...jobStates].map(([k, n]) => `${n} ${k}`).join(", ") || "none"}`);
  out.push(`refused requests: ${[...p.rejections].map(([k, n]) => `${k} ${n}`).join(", ") || "none"}`);
  out.push(`total: ${e.total.jobs} jobs, ${e.total.meteredMs} ms metered, ${e.total.earned} wei earned; ${e.settled} wei settled on chain`);
  return `${out.join("\n")}\n`;
}

export function register(program: Command): void {
  program
    .command("replay")
    .description("rebuild the projections (streams, jobs, earnings) from the event log and print them")
    .option("--db <path>", logOptionHelp.db)
    .option("--store-url <url>", logOptionHelp.storeUrl)
    .option("-c, --config <file>", logOptionHelp.config)
    .option("--until <position>", "stop after this log position (inclusive)", positionArg)
    .option("--json", "print one JSON object (amounts in wei as strings)")
    .action(async (opts: { db?: string; storeUrl?: string; config?: string; until?: number; json?: boolean }) => {
      const { store, location: path } = await openLogForReading(await locateLog(opts, process.env, process.cwd()));
      try {
        const p = await store.replay(evolveProjections, initialProjections(), opts.until === undefined ? {} : { until: opts.until });
        if (opts.json) {
          const { openJobs: _internal, ...earnings } = p.earnings;
          process.stdout.write(`${JSON.stringify(toJsonSafe({ log: { path, driver: store.driver, position: p.position, events: p.events }, ...p, earnings }))}\n`);
        } else process.stdout.write(formatProjections(p, path));
      } finally {
        await store.close();
      }
    });
}
