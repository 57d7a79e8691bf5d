/**
 * Every `claw` command, one file each. Add a command by writing `./<name>.ts` exporting
 * `register(program: Command): void` and listing it here.
 */
import type { Command } from "commander";
import { register as dev } from "./dev.ts";
import { register as start } from "./start.ts";
import { register as infer } from "./infer.ts";
import { register as providers } from "./providers.ts";
import { register as balance } from "./balance.ts";
import { register as earnings } from "./earnings.ts";
import { register as withdraw } from "./withdraw.ts";
import { register as replay } from "./replay.ts";
import { register as audit } from "./audit.ts";
import { register as log } from "./log.ts";

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [dev, start, infer, providers, balance, earnings, withdraw, replay, audit, log];
