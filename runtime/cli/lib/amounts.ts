/**
 * Amounts on the command line: plain wei ("1000000000000"), or a number with a unit
 * ("2gwei", "0.001ether", "0.5eth"); always converted exactly to bigint wei with viem's parseUnits
 * (no floating point). Formatting for people shows wei and the native coin.
 */
import { formatEther, parseUnits } from "viem";
import { ClawError } from "../../core/errors.ts";

const units: Record<string, number> = { wei: 0, gwei: 9, ether: 18, eth: 18, bnb: 18 };

/**
 * @example
 * parseWei("2gwei") // 2000000000n
 */
export function parseWei(text: string, what = "amount"): bigint {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m?.[2]?.toLowerCase() || "wei";
  const decimals = units[unit];
  const fraction = m?.[1]?.split(".")[1] ?? "";
  if (!m || decimals === undefined || fraction.length > decimals) {
    throw new ClawError("BAD_REQUEST", { message: `${what} "${text}" is not an amount: use whole wei (1000) or a unit (2gwei, 0.001ether).` });
  }
  // viem's parseUnits would round extra decimals; they were refused above, so this is exact.
  return parseUnits(m[1]!, decimals);
}

/** "123 wei (0.000000000000000123 ETH)" */
export function formatWei(wei: bigint, symbol = "ETH"): string {
  return `${wei} wei (${formatEther(wei)} ${symbol})`;
}

/** A positive integer option (ids, counts). */
export function parseId(text: string, what = "id"): bigint {
  if (!/^\d+$/.test(text.trim())) throw new ClawError("BAD_REQUEST", { message: `${what} "${text}" is not a whole number.` });
  return BigInt(text.trim());
}
