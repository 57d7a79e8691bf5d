/**
 * The chain node hangs (a TCP proxy accepts and reads but never answers), unlike a stopped node that
 * refuses connections at once. Measures how long the runtime takes to refuse a stream it cannot
 * verify, whether a stream it verified before is still served, how long /health takes, and that it
 * recovers when the node answers again. Needs a market started with `rpcProxy: true`.
 */
import { createSessionSigner } from "../../runtime/client/payment-signer.ts";
import type { ReliabilityMarket } from "./market.ts";
import { waitFor } from "./market.ts";
import { buildPaid, sendPaid } from "./paid.ts";

export type HangReport = {
  unverifiable: { status: number; code: string | undefined; ms: number };
  cached: { status: number; ms: number };
  health: { status: number; ms: number };
  recoveredAfterMs: number;
  servedAfter: boolean;
  failures: string[];
};

const timed = async <T>(fn: () => Promise<T>) => {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: Math.round(performance.now() - t0) };
};

/**
 * @example
 * const r = await runChainHang(m, { model: "echo-1", price: 1_000_000n });
 */
export async function runChainHang(m: ReliabilityMarket, o: { model: string; price: bigint }): Promise<HangReport> {
  if (!m.proxy) throw new Error("runChainHang needs a market started with rpcProxy: true");
  const failures: string[] = [];
  const providerId = m.runtime.offerings.find((x) => x.model === o.model)!.providerId;
  const owner = m.account(6);
  const open = async () => {
    const { streamId } = await m.openStream(owner, { deposit: o.price * 100_000n, duration: 100_000n, providerId });
    return { streamId, signer: await createSessionSigner({ account: owner, domain: m.domain, streamId, ttlSeconds: 86_400 }) };
  };
  const known = await open();
  const fresh = await open();
  const send = async (s: typeof known) => sendPaid(m.runtime.url, await buildPaid(s.signer, s.streamId, "inference", `hang ${Math.random()}`, o.model));
  if ((await send(known)).status !== 200) failures.push("the known stream was not served before the hang");

  m.proxy.setMode("hang");
  const [unverifiable, cached, health] = await Promise.all([
    timed(() => send(fresh)),
    timed(() => send(known)),
    timed(() => fetch(`${m.runtime.url}/health`).then((r) => r.status)),
  ]);
  if (unverifiable.value.status !== 503 || unverifiable.value.code !== "CHAIN_UNAVAILABLE") failures.push(`an unverifiable stream got ${unverifiable.value.status} ${unverifiable.value.code} while the node hung`);
  m.proxy.setMode("pass");
  const back = Date.now();
  await waitFor(async () => ((await fetch(`${m.runtime.url}/health`)).status === 200 ? true : undefined), 60_000, "healthy after the hang").catch((e: Error) => failures.push(e.message));
  const recoveredAfterMs = Date.now() - back;
  const after = await send(fresh);
  if (after.status !== 200) failures.push(`after the hang the refused stream got ${after.status} ${after.code}`);
  return {
    unverifiable: { status: unverifiable.value.status, code: unverifiable.value.code, ms: unverifiable.ms },
    cached: { status: cached.value.status, ms: cached.ms },
    health: { status: health.value, ms: health.ms },
    recoveredAfterMs, servedAfter: after.status === 200, failures,
  };
}
