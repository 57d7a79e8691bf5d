/**
 * Turns a stored row into a typed event. An event type or version this code does not know is an
 * error naming the file and position (a newer ClawCompute wrote it), never a silent skip.
 */
import { ClawError } from "../core/errors.ts";
import { decodeEventData, knownEventType } from "../core/event-codec.ts";
import { EVENT_VERSION, type EventType, type StoredEvent } from "../core/events.ts";

/** The columns of the events table, in the order the store selects them (rows come as arrays). */
export const EVENT_COLUMNS = "position, type, v, key, time, dedupe, data, hash";

/**
 * @example
 * const event = decodeRow(db.prepareArrays(`SELECT ${EVENT_COLUMNS} FROM events WHERE position = 1`).all()[0]!, "events.db");
 */
export function decodeRow(row: unknown[], file: string): StoredEvent {
  const type = row[1] as string;
  const v = row[2] as number;
  const position = Number(row[0]);
  if (!knownEventType(type) || v > EVENT_VERSION) {
    throw new ClawError("STORE_UNKNOWN_EVENT", {
      message: `The event at position ${position} in ${file} has type "${type}" version ${v}, which this version of ` +
        `ClawCompute does not know (it knows version ${EVENT_VERSION} of its own types). A newer version wrote it: ` +
        `upgrade ClawCompute to read this log. (claw log verify still checks its hash chain.)`,
      details: { file, position, type, v },
    });
  }
  let data;
  try {
    data = decodeEventData(type as EventType, row[6] as string);
  } catch (cause) {
    throw new ClawError("STORE_CORRUPT", {
      message: `The event at position ${position} in ${file} (${type}) has unreadable data: ${(cause as Error).message}. ` +
        `Run claw log verify to see whether the log was altered.`,
      details: { file, position, type },
      cause,
    });
  }
  return {
    position, type, v, key: row[3] as string, data, time: Number(row[4]), dedupe: (row[5] as string | null) ?? null, hash: row[7] as string,
  } as StoredEvent;
}
