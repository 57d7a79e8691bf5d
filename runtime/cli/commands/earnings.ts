/**
 * `claw earnings`: what this provider earned, from its own event log (not the chain): jobs and
 * metered time and cost per offering and per day, what the chain settled, what is still pending on
 * open streams, and refusals by code. Opens the log read-only, so it works while the runtime runs.
 * The log is `--store PATH`, else the running local market's, else claw.config.ts's store.path.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../../config/load.ts";
import { ClawError } from "../../core/errors.ts";
import { evolveProjections, initialProjections } from "../../core/projections/index.ts";
import { openStore } from "../../store/index.ts";
import { formatWei } from "../lib/amounts.ts";
import { earningsReport } from "../lib/earnings-report.ts";
import { jsonAware, printJson } from "../lib/json.ts";
import { findDevInfo } from "../lib/resolve.ts";

async function storePath(o: { store?: string; config?: string }): Promise<string> {
  if (o.store) return resolve(o.store);
  const dev = findDevInfo(process.cwd(), process.env);
  if (dev?.info.store && !o.config) return resolve(dev.path, "..", "..", dev.info.store);
  const config = await loadConfig({ ...(o.config ? { file: o.config } : {}), cwd: process.cwd(), env: process.env as Record<string, string | undefined> });
  return resolve(process.cwd(), config.store.path);
}

export function register(program: Command): void {
  program
    .command("earnings")
    .description("this provider's earnings from its event log: per offering, per day, settled and pending")
    .option("--store <file>", "the event log (default: the local market's, else claw.config.ts's store.path)")
    .option("-c, --config <file>", "config file naming the store")
    .option("--json", "print one JSON object on stdout (amounts in wei as strings)")
    .action(async (o: { store?: string; config?: string; json?: boolean }) =>
      jsonAware(o.json, async () => {
        const path = await storePath(o);
        if (!existsSync(path)) throw new ClawError("STORE_NOT_FOUND", { message: `No event log at ${path}; pass --store or run the provider first.` });
        const store = openStore({ path, readonly: true });
        let report;
        try {
          report = earningsReport(store.replay(evolveProjections, initialProjections()), path);
        } finally {
          store.close();
        }
        if (o.json) return printJson(report);
        const lines = [
          `event log ${path} (${report.events} events)`,
          `  jobs        ${report.jobs} (${report.failedJobs} failed), ${report.meteredMs} ms metered`,
          `  earned      ${formatWei(report.earned)} metered`,
          `  settled     ${formatWei(report.settled)} on chain; received ${formatWei(report.received)}`,
          `  pending     ${formatWei(report.pending)} metered on ${report.streams.active} open stream(s)`,
          ...Object.entries(report.byOffering).map(([m, b]) => `  ${m.padEnd(12)}${b.jobs} jobs, ${formatWei(b.earned)}`),
          ...(Object.keys(report.rejections).length ? [`  refused     ${Object.entries(report.rejections).map(([c, n]) => `${c} ×${n}`).join(", ")}`] : []),
        ];
        process.stdout.write(lines.join("\n") + "\n");
      }),
    );
}
