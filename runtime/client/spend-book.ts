/**
 * The spend book of one paying fetch (and so of the gateway): the streams it opened, the deposits it
 * is about to lock, and the limits' check. Synchronous on purpose: a reservation is checked and taken
 * in one step, with no await in between, so concurrent requests can never both pass a check that only
 * one of them fits (issue 20: four requests at once took 196% of the day's limit).
 *
 * The streams of earlier runs come from an optional ledger (the gateway's log), merged by id with the
 * book's own (a close seen by either wins). What is counted is in ./chain-spend.ts, the rule in
 * ./spend-limits.ts.
 */
import { committedSince, mergeStreams, spentSince, type SpendStream } from "./chain-spend.ts";
import { DAY_MS, HOUR_MS, decideSpend, remainingAllowance, type SpendLimits } from "./spend-limits.ts";

/** Where the streams of earlier runs are remembered (the gateway's SQLite log). Must answer synchronously. */
export type SpendLedger = { streams(): readonly SpendStream[] };

/** A deposit held for a stream being opened: `amount` is the most it may lock. */
export type Reservation = { readonly id: number; readonly amount: bigint };

export type SpendBook = ReturnType<typeof createSpendBook>;

/**
 * @example
 * const book = createSpendBook({ maxSpendPerDay: 10n ** 16n });
 * const r = book.reserve(wanted, least); // throws SPEND_LIMIT_REACHED when even `least` does not fit
 * book.opened(r, stream);                // the stream's deposit replaces the reservation
 */
export function createSpendBook(limits: SpendLimits, ledger?: SpendLedger) {
  const own = new Map<bigint, SpendStream>();
  const held = new Map<number, bigint>();
  let nextId = 1;
  /** Paid by own streams closed more than a day ago and dropped from memory (for the total; a ledger keeps them itself). */
  let droppedPaid = 0n;

  function streams(nowMs: number): SpendStream[] {
    for (const [id, s] of own) {
      if (s.closed && s.closed.at < nowMs - DAY_MS) {
        droppedPaid += s.closed.paid;
        own.delete(id);
      }
    }
    return ledger ? mergeStreams(own.values(), ledger.streams()) : [...own.values()];
  }

  function committed(nowMs: number): { hour: bigint; day: bigint } {
    const all = streams(nowMs);
    let reserved = 0n;
    for (const a of held.values()) reserved += a;
    return { hour: committedSince(all, nowMs - HOUR_MS) + reserved, day: committedSince(all, nowMs - DAY_MS) + reserved };
  }

  return {
    limits,
    /** Whether any spending limit is set (without one, nothing needs reserving). */
    limited: limits.maxSpendPerHour !== undefined || limits.maxSpendPerDay !== undefined,
    /**
     * Holds up to `wanted` wei for a stream about to be opened: all of it if it fits, else what is left
     * if that is at least `least`; else SPEND_LIMIT_REACHED. Check and hold are one synchronous step.
     */
    reserve(wanted: bigint, least: bigint, nowMs = Date.now()): Reservation {
      const c = committed(nowMs);
      const room = remainingAllowance(limits, c.hour, c.day);
      const amount = room === undefined || room >= wanted ? wanted : room;
      const refused = amount < least ? decideSpend({ limits, committedHour: c.hour, committedDay: c.day, amount: least }) : undefined;
      if (refused) throw refused;
      const r = { id: nextId++, amount };
      held.set(r.id, amount);
      return r;
    },
    /** The stream was opened: its deposit (at most the reservation) is counted from now on. */
    opened(r: Reservation, s: Omit<SpendStream, "billed" | "closed">): void {
      // Recorded whatever its size: a deposit on chain is never left out of the count.
      own.set(s.streamId, { ...s, billed: 0n });
      held.delete(r.id);
    },
    /** The opening failed: the reservation is released. */
    release(r: Reservation): void {
      held.delete(r.id);
    },
    /** A request on `streamId` counted this much (validated billing, or its worst case). */
    billed(streamId: bigint, counted: bigint): void {
      const s = own.get(streamId);
      if (s && !s.closed && counted > 0n) own.set(streamId, { ...s, billed: s.billed + counted });
    },
    /** The stream closed: `paid` (to the provider, plus any keeper fee) is what it finally took. */
    closed(streamId: bigint, paid: bigint, atMs = Date.now()): void {
      const s = own.get(streamId);
      if (s) own.set(streamId, { ...s, closed: { at: atMs, paid } });
    },
    /** What the chain can take now, and at most, per window; and what is left under the limits. */
    summary(nowMs = Date.now()) {
      const all = streams(nowMs);
      const c = committed(nowMs);
      return {
        spent: { hour: spentSince(all, nowMs - HOUR_MS, nowMs), day: spentSince(all, nowMs - DAY_MS, nowMs), total: spentSince(all, 0, nowMs) + (ledger ? 0n : droppedPaid) },
        committed: c,
        remaining: remainingAllowance(limits, c.hour, c.day),
      };
    },
  };
}
