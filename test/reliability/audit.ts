/**
 * Runs the real `claw audit` command (runtime/cli/commands/audit.ts) in a child process against a
 * market's log and chain, and returns its JSON report and exit code.
 */
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import type { ReliabilityMarket } from "./market.ts";

const bin = resolve(import.meta.dirname, "../../runtime/cli/bin.mjs");

export type AuditOutcome = {
  exitCode: number;
  ok: boolean;
  streams: number;
  differences: number;
  totals: { metered: string; settled: string; paidLog: string };
  /** Every difference the audit found, as "stream N: ..." lines. */
  diffs: string[];
  stderr: string;
};

/**
 * @example
 * const a = await runClawAudit(m); assert.equal(a.exitCode, 0, a.diffs.join("\n"));
 */
export function runClawAudit(m: Pick<ReliabilityMarket, "storePath" | "rpcUrl" | "contracts" | "dir">): Promise<AuditOutcome> {
  const args = [bin, "audit", "--db", m.storePath, "--rpc", m.rpcUrl, "--registry", m.contracts.registry, "--stream-pay", m.contracts.streamPay, "--json"];
  return new Promise((done, fail) => {
    // cwd = the market's temp folder, so no .claw/dev.json of the checkout is picked up.
    execFile(process.execPath, args, { cwd: m.dir, maxBuffer: 256 << 20, env: { ...process.env, NODE_NO_WARNINGS: "1" } }, (err, stdout, stderr) => {
      const exitCode = err ? Number((err as { code?: number }).code ?? 1) : 0;
      try {
        const r = JSON.parse(stdout) as {
          ok: boolean; differences: number; totals: AuditOutcome["totals"];
          streams: Array<{ streamId: string; differences: string[] }>; providers: Array<{ providerId: string; differences: string[] }>;
        };
        const diffs = [
          ...r.streams.flatMap((s) => s.differences.map((d) => `stream ${s.streamId}: ${d}`)),
          ...r.providers.flatMap((p) => p.differences.map((d) => `provider ${p.providerId}: ${d}`)),
        ];
        done({ exitCode, ok: r.ok, streams: r.streams.length, differences: r.differences, totals: r.totals, diffs, stderr });
      } catch (cause) {
        fail(new Error(`claw audit printed no JSON (exit ${exitCode}): ${stderr || stdout}`, { cause }));
      }
    });
  });
}
