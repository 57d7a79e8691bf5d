/**
 * `claw log verify [--db PATH] [--json]`: recompute the event log's hash chain from the first event.
 * Exit 0 when intact; 1 when broken, naming the first bad position.
 */
import type { Command } from "commander";
import { locateStore } from "../../store/locate.ts";
import { openStore } from "../../store/open.ts";

export function register(program: Command): void {
  const log = program.command("log").description("inspect the provider's event log");
  log
    .command("verify")
    .description("check the event log's hash chain; exit 1 and name the first bad position when broken")
    .option("--db <path>", "the log file (default: $CLAW_DB, the local market's log, else .claw/events.db)")
    .option("--json", "print one JSON object")
    .action((opts: { db?: string; json?: boolean }) => {
      const { path } = locateStore({ db: opts.db, env: process.env, cwd: process.cwd() });
      const store = openStore({ path, readonly: true });
      try {
        const result = store.verify();
        const last = store.lastPosition();
        if (opts.json) process.stdout.write(`${JSON.stringify({ path, lastPosition: last, ...result })}\n`);
        else if (result.ok) {
          process.stdout.write(`ok: ${path}: ${result.checked} events, hash chain intact${result.head ? ` (head ${result.head})` : ""}\n`);
        } else {
          process.stdout.write(`BROKEN: ${path}: the hash chain breaks at position ${result.firstBadPosition}: ${result.reason}. ` +
            `Events 1..${result.checked} verify; the log was altered after they were written. Restore it from a backup.\n`);
        }
        if (!result.ok) process.exitCode = 1;
      } finally {
        store.close();
      }
    });
}
