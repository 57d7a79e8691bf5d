/**
 * `claw start`: the provider runtime against the configured chain (production). The seed's env vars
 * (PRIVATE_KEY, BSC_TESTNET_RPC, GROQ_API_KEY, MODEL_NAME, PRICE_PER_SECOND, PORT, ENDPOINT_URL) work
 * with or without a claw.config.ts.
 */
import type { Command } from "commander";
import { loadConfig } from "../../../config/load.ts";
import { createLogger } from "../../provider/logger.ts";
import { startProvider } from "../../provider/start.ts";
import { redactUrl } from "../../store/pg/errors.ts";

export function register(program: Command): void {
  program
    .command("start")
    .description("run the provider runtime against the configured chain")
    .option("-c, --config <file>", "config file (optional when MODEL_NAME etc. are set)")
    .action(async (opts: { config?: string }) => {
      const root = process.cwd();
      const env = process.env as Record<string, string | undefined>;
      const config = await loadConfig({ ...(opts.config ? { file: opts.config } : {}), cwd: root, env });
      const logger = createLogger(config.log);
      const provider = await startProvider({ config, root, env, logger });
      // store.url (or CLAW_STORE_URL, applied by loadConfig): one of several instances on a shared
      // PostgreSQL log; otherwise the SQLite file. The URL is logged without its password.
      const store = config.store.url ? redactUrl(config.store.url) : provider.store.path;
      logger.info({
        url: provider.url, chainId: provider.chain.chainId, offerings: provider.offerings.map((o) => o.model), store, storeDriver: provider.runtimeStore.driver,
        instance: provider.runtimeStore.instanceId,
      }, "provider runtime started");
      await new Promise<void>((done) => {
        const stop = () => provider.close().then(done, done);
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
