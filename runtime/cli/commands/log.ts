/**
 * `claw log verify [--db PATH | --store-url URL] [--json]`: recompute the event log's hash chain from
 * the first event, on SQLite or PostgreSQL (lib/log-source.ts). Exit 0 when intact; 1 when broken,
 * naming the first bad position.
 */
import type { Command } from "commander";
import { locateLog, logOptionHelp, openLogForReading } from "../lib/log-source.ts";

export function register(program: Command): void {
  const log = program.command("log").description("inspect the provider's event log");
  log
    .command("verify")
    .description("check the event log's hash chain; exit 1 and name the first bad position when broken")
    .option("--db <path>", logOptionHelp.db)
    .option("--store-url <url>", logOptionHelp.storeUrl)
    .option("-c, --config <file>", logOptionHelp.config)
    .option("--json", "print one JSON object")
    .action(async (opts: { db?: string; storeUrl?: string; config?: string; json?: boolean }) => {
      const { store, location: path } = await openLogForReading(await locateLog(opts, process.env, process.cwd()));
      try {
        const result = await store.verify();
        const last = await store.lastPosition();
        if (opts.json) process.stdout.write(`${JSON.stringify({ path, driver: store.driver, lastPosition: last, ...result })}\n`);
        else if (result.ok) {
          process.stdout.write(`ok: ${path}: ${result.checked} events, hash chain intact${result.head ? ` (head ${result.head})` : ""}\n`);
        } else {
          process.stdout.write(`BROKEN: ${path}: the hash chain breaks at position ${result.firstBadPosition}: ${result.reason}. ` +
            `Events 1..${result.checked} verify; the log was altered after they were written. Restore it from a backup.\n`);
        }
        if (!result.ok) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
