/**
 * `claw gateway audit [--state-dir DIR] [--json]`: reconciles the provider-signed job receipts the
 * gateway kept (its log, gateway.db) with what each provider took on chain, per stream, and names any
 * provider that took more than it signed for (the rule: runtime/gateway/audit.ts). Exit 0 when none
 * did, 1 when one did. Reads the log read-only, so it runs beside a running gateway.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import type { GatewayAuditReport, StreamAudit } from "../../gateway/audit.ts";
import { printJson } from "../lib/json.ts";
import { resolveChain } from "../lib/resolve.ts";

type AuditOptions = { stateDir: string; json?: boolean; rpc?: string; registry?: string; streamPay?: string };

const line = (s: StreamAudit) =>
  `  stream ${s.streamId} provider #${s.providerId} (${s.chain.state}${s.chain.state === "open" ? "" : ` by ${s.chain.by}`}): ${s.requests} requests, ${s.receipts} receipts, ` +
  `signed ${s.signed} wei, took ${s.taken} wei${s.excess > 0n ? `, ${s.excess} more than signed (${s.unreceipted} requests without a receipt, counted ${s.unproven} wei)` : ""}: ${s.verdict}`;

/** The human-readable report. */
export function formatGatewayAudit(r: GatewayAuditReport, path: string): string {
  const out = [`log ${path}: ${r.streams.length} streams`, ...r.streams.map(line), ""];
  for (const p of r.providers) out.push(`provider #${p.providerId}: ${p.streams} streams, signed ${p.signed} wei, took ${p.taken} wei${p.overcharged ? `: OVERCHARGED by ${p.overchargedBy} wei` : ""}`);
  out.push("", r.ok ? "ok: no provider took more than it signed for" : `FAILED: provider${r.overcharging.length > 1 ? "s" : ""} ${r.overcharging.map((x) => `#${x}`).join(", ")} took more than ${r.overcharging.length > 1 ? "they" : "it"} signed for`);
  return `${out.join("\n")}\n`;
}

async function run(o: AuditOptions): Promise<void> {
  const [{ openStore }, { createReadClient }, { getChainId }, { getStreamHistory }, { getStream }, audit] = await Promise.all([
    import("../../store/index.ts"), import("../../chain/client.ts"), import("../../chain/actions/get-chain-id.ts"),
    import("../../chain/actions/get-stream-history.ts"), import("../../chain/actions/get-stream.ts"), import("../../gateway/audit.ts"),
  ]);
  const path = resolve(o.stateDir, "gateway.db");
  const store = openStore({ path, readonly: true });
  let view: ReturnType<typeof audit.emptyLogView>;
  try {
    view = store.replay(audit.foldLogView, audit.emptyLogView());
  } finally {
    store.close();
  }
  const flags = { ...(o.rpc ? { rpc: o.rpc } : {}), ...(o.registry ? { registry: o.registry } : {}), ...(o.streamPay ? { streamPay: o.streamPay } : {}) };
  const { options } = await resolveChain(flags, "consumer", { needWallet: false });
  const client = createReadClient({ rpcUrl: options.rpcUrl, chainId: options.chainId ?? (await getChainId(options.rpcUrl)), profile: "background" });
  const streamPay = options.contracts.streamPay;
  const takes = new Map<bigint, import("../../gateway/audit.ts").ChainTake>();
  for (const s of view.requests.values()) {
    const history = await getStreamHistory(client, { streamPay, streamId: s.streamId, fromBlock: s.openBlock });
    const withdrawn = history.closed ? 0n : (await getStream(client, { streamPay, streamId: s.streamId })).withdrawn;
    takes.set(s.streamId, audit.chainTakeOf(history, s.recipient, withdrawn));
  }
  const report = audit.auditGateway(view, takes);
  if (o.json) printJson({ log: path, ...report });
  else process.stdout.write(formatGatewayAudit(report, path));
  if (!report.ok) process.exitCode = 1;
}

/** Adds `audit` under `claw gateway` (runtime/cli/commands/gateway.ts calls this). */
export function registerGatewayAudit(gateway: Command): void {
  gateway
    .command("audit")
    .description("reconcile the job receipts the gateway kept with what providers took on chain; exit 1 if one took more than it signed for")
    .option("--state-dir <dir>", "where the gateway's log lives (default .claw)")
    .option("--rpc <url>", "chain RPC URL (default: CLAW_RPC_URL, else the local market in .claw/dev.json)")
    .option("--stream-pay <address>", "StreamPay address (default: CLAW_STREAM_PAY, else the local market's)")
    .option("--registry <address>", "ComputeRegistry address (default: CLAW_REGISTRY, else the local market's)")
    .option("--json", "print one JSON object (amounts in wei as strings)")
    .action(async (opts: Partial<AuditOptions>, cmd: Command) => {
      // `gateway` has the same options, and commander gives them to it wherever they are written.
      const parent = (cmd.parent?.opts() ?? {}) as Partial<AuditOptions>;
      const o: AuditOptions = {
        stateDir: opts.stateDir ?? parent.stateDir ?? ".claw", json: opts.json ?? parent.json,
        ...((opts.rpc ?? parent.rpc) ? { rpc: opts.rpc ?? parent.rpc } : {}),
        ...((opts.streamPay ?? parent.streamPay) ? { streamPay: opts.streamPay ?? parent.streamPay } : {}),
        ...((opts.registry ?? parent.registry) ? { registry: opts.registry ?? parent.registry } : {}),
      };
      const { jsonAware } = await import("../lib/json.ts");
      return jsonAware(o.json, () => run(o));
    });
}
