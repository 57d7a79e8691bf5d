/** `claw dev` (what `npm start` runs): a whole local market — chain, contracts, provider runtime. */
import type { Command } from "commander";
import { loadConfig } from "../../../config/load.ts";
import { startDevMarket } from "../../dev/market.ts";
import { createLogger } from "../../provider/logger.ts";

export function register(program: Command): void {
  program
    .command("dev")
    .description("start a local market: anvil, the contracts, and the runtime for claw.config.ts's offerings")
    .option("-c, --config <file>", "config file", "claw.config.ts")
    .option("--anvil-port <port>", "port for the local chain (default: 8545, or a free one)")
    .option("--port <port>", "port for the provider runtime")
    .action(async (opts: { config: string; anvilPort?: string; port?: string }) => {
      const root = process.cwd();
      const config = await loadConfig({ file: opts.config, cwd: root, env: {} });
      if (opts.port) config.server.port = Number(opts.port);
      const logger = createLogger({ level: config.log.level, pretty: process.stdout.isTTY === true });
      const market = await startDevMarket({ config, root, logger, ...(opts.anvilPort ? { anvilPort: Number(opts.anvilPort) } : {}) });
      const { info } = market;
      const consumer = info.accounts.find((a) => a.role === "consumer");
      const lines = [
        "",
        "ClawCompute local market is up",
        `  dashboard + API   ${info.providerUrl}`,
        `  chain (anvil)     ${info.rpcUrl}  (chain id ${info.chainId})`,
        `  ComputeRegistry   ${info.contracts.registry}`,
        `  StreamPay         ${info.contracts.streamPay}`,
        `  event log         ${info.store}`,
        `  offerings         ${market.provider.offerings.map((o) => `${o.model} (${o.pricePerSecond} wei/s, provider ${o.providerId})`).join(", ")}`,
        "",
        "Dev accounts (anvil's well-known keys; never use them on a real network):",
        ...info.accounts.slice(0, 5).map((a) => `  ${a.role.padEnd(9)} ${a.address}  ${a.privateKey}`),
        "",
        "Buy inference from another terminal:",
        `  npx claw infer -m ${market.provider.offerings[0]?.model ?? "echo-1"} "hello"`,
        consumer ? `  (uses ${consumer.address} from .claw/dev.json)` : "",
        "Or point any OpenAI client / OpenClaw agent at the market:",
        "  npx claw gateway          (prints its base URL and API key)",
        "",
        "Ctrl-C stops the market.",
      ];
      process.stdout.write(lines.join("\n") + "\n");
      await new Promise<void>((resolveStop) => {
        const stop = () => {
          process.stdout.write("\nstopping…\n");
          market.close().then(resolveStop, resolveStop);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
