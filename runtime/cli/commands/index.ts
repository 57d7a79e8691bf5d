/**
 * Every `claw` command, one file each. Add a command by writing `./<name>.ts` exporting
 * `register(program: Command): void` and listing it here.
 */
import type { Command } from "commander";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
