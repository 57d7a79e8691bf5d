/**
 * Billing of every way a job can end. Pure. The one rule behind the table: the consumer pays for
 * what it received, or for what it chose (a consumer who leaves pays the time used until it left).
 *
 * | ending                                   | billed time                     | answer                      |
 * |------------------------------------------|---------------------------------|-----------------------------|
 * | completed                                | all metered time                | whole output, "stop"/…      |
 * | cut by the budget (reservation ran out)  | up to the last delivered output | partial output, "length"    |
 * | consumer disconnected                    | all time until it left          | (nobody to answer)          |
 * | backend failed before any output         | 0                               | error                       |
 * | backend failed after output              | up to the last delivered output | partial output, "error"     |
 * | backend refused the request itself (4xx) | all time until the refusal      | error (BACKEND_BAD_REQUEST) |
 * | runtime shut down mid-job                | up to the last delivered output | partial output, "error"     |
 * | never started (queue full, left waiting) | 0                               | error                       |
 * | runtime crashed, recovered at restart    | up to the last durable progress | (connection was lost)       |
 *
 * A request the backend refuses as malformed (context too long, bad parameter) is the consumer's
 * request at fault and the backend did the work of reading it: it pays the time until the refusal.
 * Every cost is floor(ms × price / 1000) and never above the job's reservation.
 */
import { meteredCost } from "./money.ts";

export type JobEnding =
  | { kind: "completed"; elapsedMs: number }
  | { kind: "budget-cut"; elapsedMs: number; lastOutputMs: number | null }
  | { kind: "consumer-gone"; elapsedMs: number }
  | { kind: "backend-failed"; code: string; elapsedMs: number; lastOutputMs: number | null }
  | { kind: "shutdown"; elapsedMs: number; lastOutputMs: number | null }
  | { kind: "not-started" }
  | { kind: "crash-recovered"; durableDeliveredMs: number | null };

export type BillingTerms = { pricePerSecond: bigint; reservedWei: bigint; reservedMs: number };

export type BillingDecision = {
  billedMs: bigint;
  cost: bigint;
  /** Which row of the table applied (kept in logs and tests). */
  rule: string;
  /** The consumer gets what was delivered with this finish reason; null when the ending is an error. */
  finishReason: "stop" | "length" | "error" | null;
};

/** Backend codes that mean the request itself was refused (the consumer's fault). */
export const REQUEST_FAULT_CODES: ReadonlySet<string> = new Set(["BACKEND_BAD_REQUEST"]);

/**
 * @example
 * decideBilling({ kind: "backend-failed", code: "BACKEND_UPSTREAM", elapsedMs: 900, lastOutputMs: 400 },
 *   { pricePerSecond: 1000n, reservedWei: 5000n, reservedMs: 5000 }) // -> billedMs 400n, cost 400n, finishReason "error"
 */
export function decideBilling(e: JobEnding, t: BillingTerms): BillingDecision {
  const bill = (ms: number | null, rule: string, finishReason: BillingDecision["finishReason"]): BillingDecision => {
    const whole = Math.max(0, Math.min(Math.floor(ms ?? 0), t.reservedMs));
    const raw = meteredCost(BigInt(whole), t.pricePerSecond);
    return { billedMs: BigInt(whole), cost: raw > t.reservedWei ? t.reservedWei : raw, rule, finishReason };
  };
  switch (e.kind) {
    case "completed":
      return bill(e.elapsedMs, "completed: all metered time", "stop");
    case "budget-cut":
      return e.lastOutputMs === null
        ? bill(0, "budget cut before any output: nothing received, nothing billed", null)
        : bill(e.lastOutputMs, "budget cut: up to the last delivered output", "length");
    case "consumer-gone":
      return bill(e.elapsedMs, "consumer disconnected: all time until it left", null);
    case "backend-failed":
      if (REQUEST_FAULT_CODES.has(e.code)) return bill(e.elapsedMs, "backend refused the request itself: time until the refusal", null);
      return e.lastOutputMs === null
        ? bill(0, "backend failed before any output: nothing billed", null)
        : bill(e.lastOutputMs, "backend failed after output: up to the last delivered output", "error");
    case "shutdown":
      return e.lastOutputMs === null
        ? bill(0, "runtime shut down before any output: nothing billed", null)
        : bill(e.lastOutputMs, "runtime shut down: up to the last delivered output", "error");
    case "not-started":
      return bill(0, "never started: nothing billed", null);
    case "crash-recovered":
      return bill(e.durableDeliveredMs, "crash: up to the last durable progress", null);
  }
}
