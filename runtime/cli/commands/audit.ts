/**
 * `claw audit [--db PATH | --store-url URL] [--rpc URL] [--registry A] [--stream-pay A] [--json]`: verify the log's
 * hash chain (SQLite or PostgreSQL, lib/log-source.ts), replay it, read every stream and provider it involves from the chain, reconcile
 * (runtime/core/reconcile.ts lists the rules). Exit 0 when everything matches to the wei, 1 on any
 * difference or a broken chain (5 when the chain cannot be read, 3 when no chain is configured).
 */
import type { Command } from "commander";
import { createReadClient } from "../../chain/client.ts";
import { getChainId } from "../../chain/actions/get-chain-id.ts";
import { toJsonSafe } from "../../core/event-codec.ts";
import { createChainReader } from "../../chain/read-chain.ts";
import { runAudit, type AuditReport } from "../../store/audit.ts";
import { textTable } from "../../store/text-table.ts";
import { locateLog, logOptionHelp, openLogForReading } from "../lib/log-source.ts";
import { resolveChain } from "../lib/resolve.ts";

const orDash = (v: bigint | null) => (v === null ? "-" : String(v));

/** The human-readable audit report. */
export function formatAudit(r: AuditReport): string {
  const v = r.log.verify;
  const out = [
    `log   ${r.log.path}: ${r.log.events} events, hash chain ${v.ok ? "intact" : `BROKEN at position ${v.firstBadPosition} (${v.reason})`}`,
    `chain ${r.chain}`,
    "",
    `streams (${r.streams.length}${r.skipped.length ? `; ${r.skipped.length} seen only in refused requests, skipped` : ""})`,
    textTable(["stream", "log/chain", "deposit", "jobs", "metered", "settled", "paid log", "paid chain", "refunded", "result"],
      r.streams.map((s) => [String(s.streamId), `${s.logStatus}/${s.chainStatus}`, String(s.deposit), String(s.jobs), String(s.metered),
        orDash(s.settled), String(s.paidLog), orDash(s.paidChain), String(s.refundedLog), s.differences.length ? `${s.differences.length} DIFF` : "ok"])),
    "",
    "providers (registry)",
    textTable(["provider", "settled streams", "earned (log)", "completedJobs (chain)", "totalEarned (chain)", "result"],
      r.providers.map((p) => [String(p.providerId), String(p.settledStreams), String(p.earnedLog), orDash(p.completedJobsChain),
        orDash(p.totalEarnedChain), p.differences.length ? `${p.differences.length} DIFF` : "ok"])),
    "",
    "coin credited vs received (per wallet paid; deferred = failed pushes kept to claim)",
    textTable(["wallet", "credited", "deferred", "claimed", "received", "claimable (chain)", "result"],
      r.credits.map((c) => [c.wallet, String(c.credited), String(c.deferred), String(c.claimed), String(c.received), orDash(c.claimableChain),
        c.differences.length ? `${c.differences.length} DIFF` : "ok"])),
  ];
  const details = [
    ...r.streams.flatMap((s) => [...s.differences.map((d) => `DIFF stream ${s.streamId}: ${d}`), ...s.notes.map((n) => `note stream ${s.streamId}: ${n}`)]),
    ...r.providers.flatMap((p) => p.differences.map((d) => `DIFF provider ${p.providerId}: ${d}`)),
    ...r.credits.flatMap((c) => c.differences.map((d) => `DIFF wallet ${c.wallet}: ${d}`)),
  ];
  if (details.length) out.push("", ...details);
  out.push("", r.ok
    ? `ok: ${r.streams.length} streams reconcile to the wei (metered ${r.totals.metered}, settled ${r.totals.settled}, paid ${r.totals.paidLog} wei)`
    : `FAILED: ${r.differences} difference${r.differences === 1 ? "" : "s"}${v.ok ? "" : ", hash chain broken"}`);
  return `${out.join("\n")}\n`;
}

export function register(program: Command): void {
  program
    .command("audit")
    .description("replay the log, verify it, and reconcile every stream and provider with the chain; exit 1 on any difference")
    .option("--db <path>", logOptionHelp.db)
    .option("--store-url <url>", logOptionHelp.storeUrl)
    .option("-c, --config <file>", logOptionHelp.config)
    .option("--rpc <url>", "chain RPC URL (default: CLAW_RPC_URL, else the local market in .claw/dev.json)")
    .option("--registry <address>", "ComputeRegistry address (default: CLAW_REGISTRY, else the local market's)")
    .option("--stream-pay <address>", "StreamPay address (default: CLAW_STREAM_PAY, else the local market's)")
    .option("--json", "print one JSON object (amounts in wei as strings)")
    .action(async (opts: { db?: string; storeUrl?: string; config?: string; rpc?: string; registry?: string; streamPay?: string; json?: boolean }) => {
      const { store, location } = await openLogForReading(await locateLog(opts, process.env, process.cwd()));
      try {
        const flags = { ...(opts.rpc ? { rpc: opts.rpc } : {}), ...(opts.registry ? { registry: opts.registry } : {}),
          ...(opts.streamPay ? { streamPay: opts.streamPay } : {}) };
        const { options } = await resolveChain(flags, "provider", { needWallet: false });
        const publicClient = createReadClient({ rpcUrl: options.rpcUrl, chainId: options.chainId ?? (await getChainId(options.rpcUrl)), profile: "background" });
        const reader = createChainReader({
          publicClient, contracts: options.contracts,
          label: `${options.chainId} at ${options.rpcUrl}: StreamPay ${options.contracts.streamPay}, ComputeRegistry ${options.contracts.registry}`,
        });
        const report = await runAudit({ store, reader, location });
        process.stdout.write(opts.json ? `${JSON.stringify(toJsonSafe(report))}\n` : formatAudit(report));
        if (!report.ok) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
