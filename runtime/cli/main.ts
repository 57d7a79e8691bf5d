/**
 * The `claw` command line. Each command lives in its own file under ./commands and exports
 * `register(program)`; this file only wires them together.
 *
 * Exit codes (documented in the README): 0 ok, 1 failure / difference found, 2 usage error,
 * 3 configuration error, 4 payment refused by a provider, 5 chain error.
 */
import { Command, CommanderError } from "commander";
import { ClawError } from "../core/errors.ts";
import { commands } from "./commands/index.ts";

export const exitCodes = { ok: 0, failure: 1, usage: 2, config: 3, refused: 4, chain: 5 } as const;

export function buildProgram(): Command {
  const program = new Command("claw")
    .description("ClawCompute: pay-per-second AI inference on an EVM chain")
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Maps an error to the process exit code and a one-line message on stderr. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : exitCodes.usage;
  if (err instanceof ClawError) {
    if (err.code === "CONFIG_INVALID" || err.code.startsWith("PLUGIN_")) return exitCodes.config;
    if (err.code.startsWith("CHAIN_")) return exitCodes.chain;
    if (err.status === 401 || err.status === 402 || err.status === 409) return exitCodes.refused;
  }
  return exitCodes.failure;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (!(err instanceof CommanderError)) {
      const code = err instanceof ClawError ? `${err.code}: ` : "";
      process.stderr.write(`claw: ${code}${err instanceof Error ? err.message : String(err)}\n`);
    }
    return exitCodeFor(err);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
