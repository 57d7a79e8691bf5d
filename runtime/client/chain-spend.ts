/**
 * Spending as the chain sees it, from the facts of the streams a wallet opened. Pure.
 *
 * A provider can take from an open stream whatever it has streamed so far (StreamPay: deposit ×
 * elapsed / duration; settle, withdraw or its own cancel), whatever it reported billing; once the
 * stream is closed, what left the deposit for good (paid to the provider, plus a keeper's fee).
 *
 * - spent: what the chain can take NOW. Open: max(streamed so far, validated billing), never above the
 *   deposit; closed: what was paid. Never negative.
 * - committed: what the chain can take at most if nothing more is opened. Open: the whole deposit
 *   (the rest streams to the provider unless the stream is closed); closed: what was paid. This is
 *   what the limits count (spend-limits.ts), so the chain can never take more than a limit.
 *
 * A closed stream counts in a window from its close (when its money is final), an open one always.
 */

/** One stream the wallet opened, as the limits see it (on-chain values from StreamCreated and the close). */
export type SpendStream = {
  streamId: bigint;
  deposit: bigint;
  /** Unix seconds (the block's timestamp at opening). */
  startTime: bigint;
  durationSeconds: bigint;
  /** What providers billed on it, each request's cost validated (never negative, at most its worst case). */
  billed: bigint;
  /** Once closed: when (ms) and what left the deposit for good (paid to the provider + any keeper fee). */
  closed?: { at: number; paid: bigint };
};

export type Windows = { hour: bigint; day: bigint };

/**
 * What an open stream has streamed at `nowMs`, rounded up (the payer's side): the most its provider
 * can have taken by then.
 * @example
 * streamedAt({ streamId: 1n, deposit: 1000n, startTime: 100n, durationSeconds: 100n, billed: 0n }, 125_000) // 250n
 */
export function streamedAt(s: SpendStream, nowMs: number): bigint {
  if (s.durationSeconds <= 0n) return s.deposit;
  let elapsed = BigInt(Math.ceil(nowMs / 1000)) - s.startTime;
  if (elapsed < 0n) elapsed = 0n;
  if (elapsed >= s.durationSeconds) return s.deposit;
  return (s.deposit * elapsed + s.durationSeconds - 1n) / s.durationSeconds;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** What the chain can take from this stream now (see the file comment). Never negative. */
export function spentOn(s: SpendStream, nowMs: number): bigint {
  if (s.closed) return max(s.closed.paid, 0n);
  return min(s.deposit, max(streamedAt(s, nowMs), max(s.billed, 0n)));
}

/** What the chain can take from this stream at most (the whole deposit while open). */
export function committedOn(s: SpendStream): bigint {
  return s.closed ? max(s.closed.paid, 0n) : s.deposit;
}

/** Whether the stream counts in a window starting at `since` (ms): open ones always, closed ones by their close. */
const inWindow = (s: SpendStream, since: number): boolean => !s.closed || s.closed.at >= since;

/**
 * What the chain can take now, from the streams counting since `since` (ms).
 * @example
 * spentSince(streams, Date.now() - HOUR_MS, Date.now())
 */
export function spentSince(streams: readonly SpendStream[], since: number, nowMs: number): bigint {
  let total = 0n;
  for (const s of streams) if (inWindow(s, since)) total += spentOn(s, nowMs);
  return total;
}

/** What the chain can take at most from the streams counting since `since` (ms). */
export function committedSince(streams: readonly SpendStream[], since: number): bigint {
  let total = 0n;
  for (const s of streams) if (inWindow(s, since)) total += committedOn(s);
  return total;
}

/**
 * One list from two sources of the same streams (the process's own and a log's): by stream id, a
 * closed record wins over an open one, else the first source's.
 */
export function mergeStreams(own: Iterable<SpendStream>, logged: Iterable<SpendStream>): SpendStream[] {
  const byId = new Map<bigint, SpendStream>();
  for (const s of own) byId.set(s.streamId, s);
  for (const s of logged) {
    const had = byId.get(s.streamId);
    if (!had || (s.closed && !had.closed)) byId.set(s.streamId, s);
  }
  return [...byId.values()];
}
