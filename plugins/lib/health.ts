/** Health checks as a yes/no with the reason, never a throw (the runtime polls them). */
import type { HealthStatus } from "../types.ts";

/**
 * Runs `check`; ok when it resolves, not ok with the error's sentence when it throws.
 *
 * @example health: (signal) => probe(() => http.json({ path: "/models", signal, timeoutMs: 5000 }))
 */
export async function probe(check: () => Promise<unknown>, okDetail?: string): Promise<HealthStatus> {
  try {
    await check();
    return okDetail === undefined ? { ok: true } : { ok: true, detail: okDetail };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}
