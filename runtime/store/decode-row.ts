/**
 * Turns a stored row into a typed event. An event type or version this code does not know is an
 * error naming the file and position (a newer ClawCompute wrote it), never a silent skip.
 */
import { ClawError } from "../core/errors.ts";
import { decodeEventData, isEventType } from "../core/event-codec.ts";
import { EVENT_VERSION, type StoredEvent } from "../core/events.ts";
import type { SqlRow } from "./driver.ts";

/** The columns of the events table, in the order the store selects them. */
export const EVENT_COLUMNS = "position, type, v, key, time, dedupe, data, hash";

/**
 * @example
 * const event = decodeRow(db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE position = 1`).get()!, "events.db");
 */
export function decodeRow(row: SqlRow, file: string): StoredEvent {
  const type = row.type as string;
  const v = row.v as number;
  const position = row.position as number;
  if (!isEventType(type) || v > EVENT_VERSION) {
    throw new ClawError("STORE_UNKNOWN_EVENT", {
      message: `The event at position ${position} in ${file} has type "${type}" version ${v}, which this version of ` +
        `ClawCompute does not know (it knows version ${EVENT_VERSION} of its own types). A newer version wrote it: ` +
        `upgrade ClawCompute to read this log. (claw log verify still checks its hash chain.)`,
      details: { file, position, type, v },
    });
  }
  let data;
  try {
    data = decodeEventData(type, row.data as string);
  } catch (cause) {
    throw new ClawError("STORE_CORRUPT", {
      message: `The event at position ${position} in ${file} (${type}) has unreadable data: ${(cause as Error).message}. ` +
        `Run claw log verify to see whether the log was altered.`,
      details: { file, position, type },
      cause,
    });
  }
  return {
    position, type, v, key: row.key as string, data, time: row.time as number,
    dedupe: (row.dedupe as string | null) ?? null, hash: row.hash as string,
  } as StoredEvent;
}
