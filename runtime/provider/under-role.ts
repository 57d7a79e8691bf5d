/**
 * Runs `fn` while holding a leader role, waiting for it if another instance holds it: instances of
 * one provider starting together register its offerings one after the other, so the second finds
 * the first one's registration instead of paying a second bond (chain/register-offering.ts).
 */
import type { LeaderLease } from "../store/async-types.ts";

/**
 * @example
 * await underRole(port, "registrar", () => ensureRegistered(...));
 */
export async function underRole<T>(
  store: { tryLead(name: string): Promise<LeaderLease | null> }, name: string, fn: () => Promise<T>, o: { waitMs?: number; retryMs?: number } = {},
): Promise<T> {
  const until = Date.now() + (o.waitMs ?? 120_000);
  for (;;) {
    const lease = await store.tryLead(name);
    if (lease) {
      try {
        return await fn();
      } finally {
        await lease.release();
      }
    }
    if (Date.now() > until) throw new Error(`another instance held the "${name}" role for ${o.waitMs ?? 120_000} ms; giving up`);
    await new Promise((resolve) => setTimeout(resolve, o.retryMs ?? 200));
  }
}
