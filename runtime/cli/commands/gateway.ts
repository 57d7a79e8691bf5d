/**
 * `claw gateway`: the local OpenAI-compatible gateway (runtime/gateway). Point any OpenAI client or
 * OpenClaw agent at its URL with its key; it buys per second from the market. Ctrl-C closes every
 * stream it opened. `claw gateway status [--json]` reads its log: what the chain can take (open streams
 * at max(streamed so far, billed), closed ones at what they paid), what open streams can still stream,
 * billing by model and provider, open streams, refunds.
 */
import { resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { jsonAware, printJson } from "../lib/json.ts";
import { secondsArg, weiArg, withCommonOptions, type CommonOptions } from "../lib/options.ts";
import { resolveChain } from "../lib/resolve.ts";
import { registerGatewayAudit } from "./gateway-audit.ts";

type GatewayCliOptions = CommonOptions & {
  host: string; port: string; stateDir: string; allowOrigin?: string[]; maxPrice?: bigint; maxDeposit?: bigint; maxSpendHour?: bigint; maxSpendDay?: bigint;
  maxRequestSeconds?: number; expectedSeconds?: number; parallel?: string; idleSeconds?: number; probe: boolean;
  avoidFaultySeconds?: number; maxAnswerBytes?: number; rate: boolean;
};

async function run(o: GatewayCliOptions): Promise<void> {
  const { startGateway } = await import("../../gateway/start.ts");
  const { options, source } = await resolveChain(o, "consumer");
  const note = (line: string) => (o.quiet ? undefined : process.stderr.write(`[gateway] ${line}\n`));
  const gw = await startGateway({
    chain: options, stateDir: resolve(o.stateDir), host: o.host, port: Number(o.port), allowedOrigins: o.allowOrigin ?? [], onNote: note, probe: o.probe, rate: o.rate,
    limits: {
      ...(o.maxPrice !== undefined ? { maxPricePerSecond: o.maxPrice } : {}), ...(o.maxDeposit !== undefined ? { maxDepositPerStream: o.maxDeposit } : {}),
      ...(o.maxSpendHour !== undefined ? { maxSpendPerHour: o.maxSpendHour } : {}), ...(o.maxSpendDay !== undefined ? { maxSpendPerDay: o.maxSpendDay } : {}),
    },
    ...(o.maxRequestSeconds !== undefined ? { maxRequestSeconds: o.maxRequestSeconds } : {}),
    ...(o.expectedSeconds !== undefined ? { expectedSeconds: o.expectedSeconds } : {}),
    ...(o.parallel !== undefined ? { parallel: Number(o.parallel) } : {}),
    ...(o.idleSeconds !== undefined ? { idleCloseMs: o.idleSeconds * 1000 } : {}),
    ...(o.avoidFaultySeconds !== undefined ? { avoidFaultySeconds: o.avoidFaultySeconds } : {}),
    ...(o.maxAnswerBytes !== undefined ? { answerLimits: { maxBodyBytes: o.maxAnswerBytes, maxStreamBytes: o.maxAnswerBytes } } : {}),
  });
  if (o.json) printJson({ url: `${gw.url}/v1`, key: gw.key, keyCreated: gw.keyCreated, keyFile: gw.keyFile, log: gw.logPath, wallet: gw.chain.wallet?.address });
  else {
    process.stdout.write(
      [
        `ClawCompute gateway on ${gw.url}/v1 (wallet ${gw.chain.wallet?.address}${source === "dev" ? ", the local market's consumer account" : ""})`,
        gw.keyCreated ? `  API key (new, stored in ${gw.keyFile} with mode 0600): ${gw.key}` : `  API key: ${gw.key}  (from ${gw.keyFile})`,
        `  log: ${gw.logPath}`,
        "",
        `  OpenAI client:  new OpenAI({ baseURL: "${gw.url}/v1", apiKey: "<key>" })`,
        `  OpenClaw:       models.providers.clawcompute = { baseUrl: "${gw.url}/v1", apiKey: "<key>", api: "openai-completions", models: [...] }`,
        "",
        "Ctrl-C closes every stream it opened.",
        "",
      ].join("\n"),
    );
  }
  await new Promise<void>((done) => {
    const stop = () => {
      note("stopping: closing open streams…");
      gw.close().then(done, done);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

async function status(o: { stateDir: string; json?: boolean }): Promise<void> {
  const { openGatewayLog } = await import("../../gateway/log.ts");
  const { statusOf } = await import("../../gateway/start.ts");
  const path = resolve(o.stateDir, "gateway.db");
  const log = openGatewayLog(path, "0x0000000000000000000000000000000000000000", { readonly: true });
  const s = statusOf(log, { url: "", wallet: "", chainId: 0, path, limits: {} });
  log.close();
  if (o.json) return printJson(s);
  const lines = [
    `log ${s.log}`,
    `spent (what the chain can take now): ${s.spent.lastHour} wei in the last hour, ${s.spent.lastDay} in the last day, ${s.spent.total} in all; refunded ${s.refunded} wei`,
    `committed (with what open streams can still stream): ${s.committed.lastHour} wei in the last hour, ${s.committed.lastDay} in the last day`,
    `pending openings (each counted at its deposit until resolved on chain at the next start): ${s.pendingOpenings.length ? s.pendingOpenings.map((x) => `${x.txHash} (provider ${x.providerId}, deposit ${x.deposit} wei, since ${x.since})`).join(", ") : "none"}`,
    `open streams: ${s.openStreams.length ? s.openStreams.map((x) => `#${x.streamId} (provider ${x.providerId}, ${x.model ?? "unused"}, streamed ${x.streamed}, billed ${x.metered} of ${x.deposit})`).join(", ") : "none"}; closed: ${s.closedStreams}`,
    ...Object.entries(s.byModel).map(([m, v]) => `  model ${m}: ${v.requests} requests, billed ${v.spent} wei`),
    ...Object.entries(s.byProvider).map(([p, v]) => `  provider #${p}: ${v.requests} requests, billed ${v.spent} wei`),
    ...Object.entries(s.providers).filter(([, r]) => r.faultCount > 0 || r.ttftP50Ms !== null).map(([p, r]) =>
      `  provider #${p} record: ${r.answersWithReceipt} answers with a verified receipt, p50 first token ${r.ttftP50Ms ?? "-"} ms, ${r.faultCount} faults` +
      `${r.faultCount ? ` (${Object.entries(r.faults).map(([k, n]) => `${k} ${n}`).join(", ")}; last: ${r.lastFault?.detail ?? ""})` : ""}${r.avoidedUntil ? `; avoided until ${r.avoidedUntil}` : ""}`),
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

/** A whole number of bytes, at least 1. */
function bytesArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`"${v}" is not a whole number of bytes.`);
  return n;
}

export function register(program: Command): void {
  const gateway = withCommonOptions(
    program
      .command("gateway")
      .description("a local OpenAI-compatible server that buys from the market for any OpenAI client (sessions, limits, failover)")
      .option("--host <host>", "address to listen on", "127.0.0.1")
      .option("--port <port>", "port to listen on", "8790")
      .option("--state-dir <dir>", "where the key file and the gateway's log live", ".claw")
      .option("--allow-origin <origin...>", "web origins allowed to call it (default: none; browsers are refused)")
      .option("--max-price <wei>", "never pay more than this per second", weiArg)
      .option("--max-deposit <wei>", "never lock more than this in one stream", weiArg)
      .option("--max-spend-hour <wei>", "the chain can take at most this in any hour: open streams count their whole deposit, closed ones what they paid", weiArg)
      .option("--max-spend-day <wei>", "the same over any 24 hours", weiArg)
      .option("--max-request-seconds <s>", "cut a request after this long (bounds its cost; default 120)", secondsArg)
      .option("--expected-seconds <s>", "compute seconds one stream should buy (sizes deposits; default 120)", secondsArg)
      .option("--parallel <n>", "requests at once per provider stream (default 1)")
      .option("--idle-seconds <s>", "close a provider's stream after this long unused (default 60)", secondsArg)
      .option("--no-probe", "skip the providers' health check")
      .option("--no-rate", "do not rate providers on chain when their streams close (a rating costs ~51,600 gas)")
      .option("--avoid-faulty-seconds <s>", "after a provider's fault, try it only when no other provider is left, for this long (default 300)", secondsArg)
      .option("--max-answer-bytes <n>", "the largest answer read from a provider, JSON or a whole SSE stream (default 33554432)", bytesArg),
  ).action(async (opts: GatewayCliOptions) => jsonAware(opts.json, () => run(opts)));
  gateway
    .command("status")
    .description("spend by model and provider, open streams and refunds, from the gateway's log")
    .option("--state-dir <dir>", "where the gateway's log lives (default .claw)")
    .option("--json", "print one JSON object")
    .action(async (opts: { stateDir?: string; json?: boolean }, cmd: Command) => {
      // `gateway` has the same options, and commander gives them to it wherever they are written.
      const parent = cmd.parent?.opts() as { stateDir?: string; json?: boolean } | undefined;
      const o = { stateDir: opts.stateDir ?? parent?.stateDir ?? ".claw", json: opts.json ?? parent?.json };
      return jsonAware(o.json, () => status(o));
    });
  registerGatewayAudit(gateway);
}
