/**
 * Turns new events into stored-looking ones (positions, times, placeholder hashes) so that pure
 * projections can be tested without a store.
 * @example
 * const stored = asStored(sampleEvents(), Date.UTC(2026, 0, 1));
 */
import type { NewEvent, StoredEvent } from "../events.ts";

export function asStored(events: readonly NewEvent[], startTime = 0, stepMs = 1000): StoredEvent[] {
  return events.map((e, i) => ({
    position: i + 1, type: e.type, v: e.v, key: e.key, data: e.data, time: e.time ?? startTime + i * stepMs,
    dedupe: e.dedupe ?? null, hash: "",
  }) as StoredEvent);
}
