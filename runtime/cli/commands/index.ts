/**
 * Every `claw` command, one file each, loaded only when it runs: `claw --help` lists these names and
 * descriptions without importing any command (so it starts in tens of milliseconds, not seconds).
 * Add a command by writing `./<name>.ts` exporting `register(program: Command): void` and listing it
 * here; the description must be the one its file registers (runtime/cli/lazy.test.ts checks).
 */
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

export type CommandEntry = { name: string; description: string };

export const commandList: readonly CommandEntry[] = [
  { name: "dev", description: "start a local market: anvil, the contracts, and the runtime for claw.config.ts's offerings" },
  { name: "start", description: "run the provider runtime against the configured chain" },
  { name: "infer", description: "buy inference from the cheapest provider of a model, paid per second by a stream" },
  { name: "gateway", description: "a local OpenAI-compatible server that buys from the market for any OpenAI client (sessions, limits, failover)" },
  { name: "providers", description: "list, register, update and clean up registry providers" },
  { name: "balance", description: "wallet balance, claimable payments, and spending on compute" },
  { name: "earnings", description: "this provider's earnings from its event log: per offering, per day, settled and pending" },
  { name: "withdraw", description: "claim payments StreamPay deferred for this wallet (settlements are otherwise paid directly)" },
  { name: "replay", description: "rebuild the projections (streams, jobs, earnings) from the event log and print them" },
  { name: "audit", description: "replay the log, verify it, and reconcile every stream and provider with the chain; exit 1 on any difference" },
  { name: "log", description: "inspect the provider's event log" },
];
