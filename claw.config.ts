/**
 * The operator's one file. `npm start` runs these offerings on a local chain; `claw start` runs them
 * against the chain below. Secrets never go here: keys come from the environment variables named.
 * Every field is documented in the README ("Configuration"); defaults are filled in by config/schema.ts.
 */
import { defineConfig } from "./config/index.ts";

export default defineConfig({
  chain: { preset: "local" }, // "bsc-testnet" (97), "bsc" (56), "opbnb-testnet", "opbnb", or { rpcUrl, chainId, contracts }
  wallet: { privateKeyEnv: "PRIVATE_KEY" },
  server: { host: "127.0.0.1", port: 8787 },
  store: { path: ".claw/events.db", durability: "normal" },
  settlement: { idleSeconds: 10, minJobMs: 1000 },
  offerings: [
    // Local, deterministic, no keys: an echo backend that streams 20 tokens per second.
    { model: "echo-1", backend: "echo", options: { tokensPerSecond: 20 }, pricePerSecond: 1_000_000_000_000n, concurrency: 8 },
    // Instant echo for benchmarks and quick checks.
    { model: "echo-fast", backend: "echo", options: { tokensPerSecond: 0 }, pricePerSecond: 500_000_000_000n, concurrency: 64 },
  ],
});
