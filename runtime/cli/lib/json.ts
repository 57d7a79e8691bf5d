/**
 * JSON for agents: bigints become decimal strings (wei), Uint8Arrays are left out, and an error is
 * `{ "error": { code, message, ...details } }` — the same shape a provider answers with.
 */
import type { Command } from "commander";
import { ClawError } from "../../core/errors.ts";

/** JSON.stringify with bigint -> decimal string. */
export function toJson(value: unknown, indent = 0): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v instanceof Uint8Array ? undefined : v), indent || undefined);
}

/** Prints one JSON object on stdout, one line. */
export function printJson(value: unknown): void {
  process.stdout.write(toJson(value) + "\n");
}

/** The JSON body of any error. */
export function errorJson(err: unknown): { error: { code: string; message: string } & Record<string, unknown> } {
  if (err instanceof ClawError) return err.toJSON();
  const e = err as { code?: unknown; message?: unknown };
  return { error: { code: typeof e?.code === "string" ? e.code : "INTERNAL", message: typeof e?.message === "string" ? e.message : String(err) } };
}

/**
 * Runs a command body; with --json a failure is also printed as a JSON error object on stdout
 * (the error is rethrown so that main() prints its line on stderr and sets the exit code).
 *
 * @example
 * await jsonAware(opts.json, async () => printJson(await work()));
 */
export async function jsonAware(json: boolean | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (json && !(err instanceof Error && err.name === "CommanderError")) printJson(errorJson(err));
    throw err;
  }
}

/** A usage error (exit code 2): commander prints "error: <message>" and stops. */
export function usageError(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: 2, code: "claw.usage" });
}
