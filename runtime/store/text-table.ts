/**
 * A plain-text table for the CLI: columns padded to their widest cell, numbers right-aligned.
 * @example
 * textTable(["stream", "metered"], [["7", "1750"]]) // "stream  metered\n7          1750"
 */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d,./ -]*$/.test(r[i] ?? "")));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}
