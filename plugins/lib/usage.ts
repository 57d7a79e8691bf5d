/** Building the final usage chunk: unit conversions and dropping what the backend did not report. */
import type { Timings, UsageChunk } from "../types.ts";

/**
 * Milliseconds from nanoseconds (Ollama's durations); undefined stays undefined.
 *
 * @example msFromNs(1_500_000) // 1.5
 */
export function msFromNs(ns: unknown): number | undefined {
  return typeof ns === "number" && Number.isFinite(ns) ? ns / 1e6 : undefined;
}

/**
 * Milliseconds from seconds (Groq's times, TGI's x-compute-time).
 *
 * @example msFromSeconds(0.25) // 250
 */
export function msFromSeconds(s: unknown): number | undefined {
  return typeof s === "number" && Number.isFinite(s) ? s * 1000 : undefined;
}

/** A finite number from a JSON field or header value, else undefined. */
export function num(v: unknown): number | undefined {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/**
 * A usage chunk with only the fields that have values; totalTokens is filled from the parts when
 * the backend gave both parts but no total.
 *
 * @example usageChunk({ promptTokens: 3, completionTokens: 5 }) // { type: "usage", promptTokens: 3, completionTokens: 5, totalTokens: 8 }
 */
export function usageChunk(u: Omit<UsageChunk, "type"> = {}): UsageChunk {
  const out: UsageChunk = { type: "usage" };
  if (u.promptTokens !== undefined) out.promptTokens = u.promptTokens;
  if (u.completionTokens !== undefined) out.completionTokens = u.completionTokens;
  const total = u.totalTokens ?? (u.promptTokens !== undefined && u.completionTokens !== undefined ? u.promptTokens + u.completionTokens : undefined);
  if (total !== undefined) out.totalTokens = total;
  const timings: Timings = {};
  for (const [k, v] of Object.entries(u.timings ?? {}) as Array<[keyof Timings, number | undefined]>) if (v !== undefined) timings[k] = v;
  if (Object.keys(timings).length > 0) out.timings = timings;
  if (u.finishReason !== undefined) out.finishReason = u.finishReason;
  return out;
}
