/**
 * Audit rule 8, pure: per wallet that audited streams pay, coin credited to it (the log's payouts)
 * next to coin it received. A push that failed was credited to it in StreamPay's `claimable`
 * (PaymentDeferred) until claimed (Claimed); so deferred − claimed in the log must equal
 * `claimable` on chain, and received = credited − (deferred − claimed).
 */
import type { StoredEvent } from "./events.ts";
import type { Projections } from "./projections/index.ts";

/** Rule 8, per wallet the audited streams pay. */
export interface CreditAudit {
  wallet: string;
  /** Paid to it by its streams, per the log (withdrawals, settle/cancel/keeper payouts). */
  credited: bigint;
  /** Of that, pushes that failed and were credited to claim (PaymentDeferred), and the claims (Claimed). */
  deferred: bigint; claimed: bigint;
  /** Coin that reached the wallet: credited − (deferred − claimed). */
  received: bigint;
  claimableChain: bigint | null;
  differences: string[];
}

/** What the log says was deferred to and claimed by each wallet (lower-case). */
export interface CreditLog { deferred: Map<string, bigint>; claimed: Map<string, bigint> }

export const emptyCreditLog = (): CreditLog => ({ deferred: new Map(), claimed: new Map() });

/**
 * Folds PaymentDeferred / PaymentClaimed into per-wallet sums (for `store.replay`).
 * @example
 * const credits = store.replay(evolveCredits, emptyCreditLog());
 */
export function evolveCredits(c: CreditLog, e: StoredEvent): CreditLog {
  const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k.toLowerCase(), (m.get(k.toLowerCase()) ?? 0n) + v);
  if (e.type === "PaymentDeferred") add(c.deferred, e.data.to, e.data.amount);
  else if (e.type === "PaymentClaimed") add(c.claimed, e.data.account, e.data.amount);
  return c;
}

/** The wallets that audited streams pay (lower-case, sorted). */
export function creditWallets(p: Projections, streamIds: readonly bigint[]): string[] {
  const set = new Set<string>();
  for (const id of streamIds) {
    const r = p.streams.get(id)?.recipient;
    if (r) set.add(r.toLowerCase());
  }
  return [...set].sort();
}

/** Rule 8 for each wallet (pure). `claimable` misses a wallet when the reader cannot read it. */
export function auditCredits(p: Projections, streamIds: readonly bigint[], log: CreditLog, claimable: Map<string, bigint>): CreditAudit[] {
  return creditWallets(p, streamIds).map((wallet) => {
    let credited = 0n;
    for (const id of streamIds) {
      const s = p.streams.get(id);
      if (s?.recipient?.toLowerCase() === wallet) credited += s.paidToRecipient;
    }
    const deferred = log.deferred.get(wallet) ?? 0n;
    const claimed = log.claimed.get(wallet) ?? 0n;
    const claimableChain = claimable.get(wallet) ?? null;
    const differences: string[] = [];
    if (claimableChain !== null && deferred - claimed !== claimableChain) {
      differences.push(`deferred ${deferred} − claimed ${claimed} = ${deferred - claimed}, but StreamPay.claimable is ${claimableChain} (deferrals or claims missing from the log)`);
    }
    return { wallet, credited, deferred, claimed, received: credited - (deferred - claimed), claimableChain, differences };
  });
}
