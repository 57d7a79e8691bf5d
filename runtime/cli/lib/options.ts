/**
 * Options every chain-facing command shares, and option parsers that turn a bad value into a
 * commander usage error (exit code 2) instead of a failure.
 */
import { InvalidArgumentError, type Command } from "commander";
import { getAddress, isAddress, type Address } from "viem";
import { parseId, parseWei } from "./amounts.ts";

export type CommonOptions = { rpc?: string; registry?: string; streamPay?: string; json?: boolean; quiet?: boolean };

/** --rpc, --registry, --stream-pay, --json, --quiet. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option("--rpc <url>", "chain RPC URL (default: CLAW_RPC_URL, else the local market in .claw/dev.json)")
    .option("--registry <address>", "ComputeRegistry address (default: CLAW_REGISTRY, else the local market's)")
    .option("--stream-pay <address>", "StreamPay address (default: CLAW_STREAM_PAY, else the local market's)")
    .option("--json", "print one JSON object on stdout (amounts in wei as strings)")
    .option("-q, --quiet", "no progress line on stderr");
}

function usage<T>(parse: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** Wei amount: digits, or a number with gwei/ether. */
export const weiArg = usage((v) => parseWei(v));
/** An EVM address (any case), checksummed. */
export const addressArg = usage((v): Address => {
  if (!isAddress(v, { strict: false })) throw new Error(`"${v}" is not an address.`);
  return getAddress(v);
});
/** A whole number (ids). */
export const idArg = usage((v) => parseId(v));
/** A positive number (seconds). */
export const secondsArg = usage((v) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`"${v}" is not a positive number of seconds.`);
  return n;
});
/** true/false/yes/no/1/0. */
export const boolArg = usage((v) => {
  const s = v.trim().toLowerCase();
  if (["true", "yes", "1", "on"].includes(s)) return true;
  if (["false", "no", "0", "off"].includes(s)) return false;
  throw new Error(`"${v}" is not true or false.`);
});
