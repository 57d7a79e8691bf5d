/**
 * The `claw` command line. Each command lives in its own file under ./commands and exports
 * `register(program)`; ./commands/index.ts lists names and descriptions. Only the command being run
 * is imported: `claw --help` loads commander and this file, nothing else.
 *
 * This file is also compiled (scripts/build-cli.ts -> dist/cli/main.js) so that bin.mjs starts
 * without a TypeScript loader; the command files are then loaded from their sources (through tsx's
 * loader on Node, natively on Deno) because they reach files next to their sources (contracts,
 * migrations, plugins, claw.config.ts).
 *
 * Exit codes (documented in the README): 0 ok, 1 failure / difference found, 2 usage error,
 * 3 configuration error, 4 payment refused by a provider, 5 chain error.
 */
import { Command, CommanderError } from "commander";
import { isClawError } from "../core/errors.ts";
import { commandList, type RegisterCommand } from "./commands/index.ts";

export const exitCodes = { ok: 0, failure: 1, usage: 2, config: 3, refused: 4, chain: 5 } as const;

export type MainOptions = {
  /** Where the command sources are (default: ./commands next to this file). */
  commandsDir?: URL;
  /** Called once before the first command file is imported (bin.mjs registers tsx's loader). */
  beforeLoad?: () => Promise<void> | void;
};

/** The first word that is not an option: the command being run, if any. */
export function commandOf(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith("-"));
  // `claw help infer` shows infer's own help, so infer must be loaded.
  return words[0] === "help" && words[1] ? words[1] : words[0];
}

/**
 * The program with `only` fully registered (its module imported) and every other command as a
 * name and description (enough for help and "unknown command" errors).
 */
export async function buildProgram(o: MainOptions & { only?: string | "all" } = {}): Promise<Command> {
  const program = new Command("claw")
    .description("ClawCompute: pay-per-second AI inference on an EVM chain")
    .showHelpAfterError()
    .exitOverride();
  const dir = o.commandsDir ?? new URL("./commands/", import.meta.url);
  let prepared = false;
  for (const entry of commandList) {
    if (o.only === "all" || o.only === entry.name) {
      if (!prepared) await o.beforeLoad?.();
      prepared = true;
      const mod = (await import(new URL(`${entry.name}.ts`, dir).href)) as { register: RegisterCommand };
      mod.register(program);
    } else {
      program.command(entry.name).description(entry.description);
    }
  }
  return program;
}

/** Maps an error to the process exit code and a one-line message on stderr. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : exitCodes.usage;
  if (isClawError(err)) {
    if (err.code === "CONFIG_INVALID" || err.code.startsWith("PLUGIN_")) return exitCodes.config;
    if (err.code.startsWith("CHAIN_")) return exitCodes.chain;
    if (err.status === 401 || err.status === 402 || err.status === 409) return exitCodes.refused;
  }
  return exitCodes.failure;
}

export async function main(argv: string[], o: MainOptions = {}): Promise<number> {
  try {
    const name = commandOf(argv);
    const only = name && commandList.some((c) => c.name === name) ? name : undefined;
    const program = await buildProgram({ ...o, ...(only ? { only } : {}) });
    await program.parseAsync(argv, { from: "user" });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (!(err instanceof CommanderError)) {
      const code = isClawError(err) ? `${err.code}: ` : "";
      process.stderr.write(`claw: ${code}${err instanceof Error ? err.message : String(err)}\n`);
    }
    return exitCodeFor(err);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
