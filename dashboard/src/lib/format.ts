/**
 * Display helpers. Amounts stay bigint wei until the last moment; what is shown is rounded for
 * reading, and the exact wei goes in a tooltip (and in `data-wei` for tests).
 */

/** The native coin's symbol on the chains the runtime knows (BNB chains, else ETH). */
export function nativeSymbol(chainId: number): string {
  return [56, 97, 204, 5611].includes(chainId) ? "BNB" : "ETH";
}

export function chainName(chainId: number): string {
  const names: Record<number, string> = { 56: "BNB Smart Chain", 97: "BSC testnet", 204: "opBNB", 5611: "opBNB testnet", 31337: "local (anvil)" };
  return names[chainId] ?? `chain ${chainId}`;
}

/** `value / 10^decimals` as a decimal string with at most `keep` significant fraction digits. */
function decimal(value: bigint, decimals: number, keep: number): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  let frac = (abs % base).toString().padStart(decimals, "0");
  // Keep `keep` digits after the first non-zero one, then drop trailing zeros.
  const firstNonZero = frac.search(/[1-9]/);
  const cut = whole > 0n ? Math.min(decimals, keep) : firstNonZero < 0 ? 0 : Math.min(decimals, firstNonZero + keep);
  frac = frac.slice(0, cut).replace(/0+$/, "");
  const w = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${neg ? "-" : ""}${w}${frac ? `.${frac}` : ""}`;
}

/**
 * Picks a readable unit: wei below a gwei, gwei below 0.001 coin, else the coin.
 * @example
 * formatWei(1_000_000_000_000n, 31337) // "1,000 gwei"
 */
export function formatWei(wei: bigint, chainId: number, keep = 4): string {
  const abs = wei < 0n ? -wei : wei;
  if (abs === 0n) return `0 ${nativeSymbol(chainId)}`;
  if (abs < 1_000_000_000n) return `${decimal(wei, 0, 0)} wei`;
  if (abs < 1_000_000_000_000_000n) return `${decimal(wei, 9, keep)} gwei`;
  return `${decimal(wei, 18, keep)} ${nativeSymbol(chainId)}`;
}

export const toBig = (v: string | number | bigint | null | undefined): bigint => (v === null || v === undefined || v === "" ? 0n : BigInt(v));

export function shortHex(h: string | null | undefined, head = 6, tail = 4): string {
  if (!h) return "—";
  return h.length <= head + tail + 2 ? h : `${h.slice(0, head)}…${tail > 0 ? h.slice(-tail) : ""}`;
}

export function formatMs(ms: number | bigint): string {
  const n = Number(ms);
  if (n < 1000) return `${n} ms`;
  if (n < 60_000) return `${(n / 1000).toFixed(n < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(n / 60_000)} min ${Math.round((n % 60_000) / 1000)} s`;
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function formatDuration(seconds: number | bigint): string {
  const s = Number(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
